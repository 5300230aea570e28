from django.http import HttpResponse


def home(request):
    return HttpResponse("Rounds")


profile_edit = directory = profile_detail = organization_list = organization_detail = home
