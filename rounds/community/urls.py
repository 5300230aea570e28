from django.urls import path

from . import views

app_name = "community"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.group_create, name="create"),
    path("invitations/", views.invitations, name="invitations"),
    path("search/", views.search, name="search"),
    path("<slug:slug>/", views.group_detail, name="group"),
    path("<slug:slug>/edit/", views.group_edit, name="edit"),
    path("<slug:slug>/delete/", views.group_delete, name="delete"),
    path("<slug:slug>/search/", views.search, name="group_search"),
    path("<slug:slug>/members/", views.members, name="members"),
    path("<slug:slug>/invite/", views.invite, name="invite"),
    path("<slug:slug>/membership/<slug:action>/", views.membership_self, name="membership"),
    path(
        "<slug:slug>/members/<slug:handle>/<slug:action>/",
        views.member_action,
        name="member_action",
    ),
    path("<slug:slug>/threads/new/", views.thread_create, name="thread_create"),
    path("<slug:slug>/threads/<int:thread_id>/", views.thread_detail, name="thread"),
    path("<slug:slug>/threads/<int:thread_id>/edit/", views.thread_edit, name="thread_edit"),
    path("<slug:slug>/threads/<int:thread_id>/delete/", views.thread_delete, name="thread_delete"),
    path("<slug:slug>/threads/<int:thread_id>/flags/", views.thread_flags, name="thread_flags"),
    path("<slug:slug>/threads/<int:thread_id>/replies/", views.reply_create, name="reply_create"),
    path(
        "<slug:slug>/threads/<int:thread_id>/replies/<int:reply_id>/edit/",
        views.reply_edit,
        name="reply_edit",
    ),
    path(
        "<slug:slug>/threads/<int:thread_id>/replies/<int:reply_id>/delete/",
        views.reply_delete,
        name="reply_delete",
    ),
]
