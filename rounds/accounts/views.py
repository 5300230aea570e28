from django.http import HttpResponse


def settings_page(request):
    return HttpResponse("settings")
