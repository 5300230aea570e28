from django.urls import path

from . import views

app_name = "profiles"

urlpatterns = [
    path("", views.home, name="home"),
    path("profile/edit/", views.profile_edit, name="edit"),
    path("members/", views.directory, name="directory"),
    path("members/<str:handle>/", views.profile_detail, name="detail"),
    path("organizations/", views.organization_list, name="organizations"),
    path("organizations/<str:slug>/", views.organization_detail, name="organization"),
]
