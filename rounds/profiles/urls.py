from django.urls import path

from . import views

app_name = "profiles"

urlpatterns = [
    path("", views.home, name="home"),
    path("profile/edit/", views.profile_edit, name="edit"),
    path("profile/edit/avatar/remove/", views.avatar_remove, name="avatar_remove"),
    path("profile/edit/affiliations/add/", views.affiliation_add_view, name="affiliation_add"),
    path(
        "profile/edit/affiliations/organizations/",
        views.affiliation_org_options,
        name="affiliation_org_options",
    ),
    path(
        "profile/edit/affiliations/<int:affiliation_id>/",
        views.affiliation_edit,
        name="affiliation_edit",
    ),
    path(
        "profile/edit/affiliations/<int:affiliation_id>/remove/",
        views.affiliation_remove_view,
        name="affiliation_remove",
    ),
    path("profile/edit/organizations/new/", views.organization_new, name="organization_new"),
    path("profile/edit/<slug:section>/", views.profile_edit_section, name="edit_section"),
    path("members/", views.directory, name="directory"),
    path("members/<str:handle>/", views.profile_detail, name="detail"),
    path("members/<str:handle>/verify-npi/", views.profile_verify_npi_view, name="verify_npi"),
    path("organizations/", views.organization_list, name="organizations"),
    path("organizations/<str:slug>/", views.organization_detail, name="organization"),
]
