"""Direct messages, at /messages/."""

from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.compose, name="compose"),
    path("search/", views.search, name="search"),
    path("<int:conversation_id>/", views.conversation, name="conversation"),
    path("<int:conversation_id>/send/", views.send, name="send"),
    path("<int:conversation_id>/poll/", views.poll, name="poll"),
    path("<int:conversation_id>/mute/", views.mute, name="mute"),
    path("<int:conversation_id>/leave/", views.leave, name="leave"),
    path("<int:conversation_id>/add/", views.add_people, name="add_people"),
    path("<int:conversation_id>/accept/", views.accept, name="accept"),
    path("<int:conversation_id>/ignore/", views.ignore, name="ignore"),
    path(
        "<int:conversation_id>/messages/<int:message_id>/delete/",
        views.delete_message,
        name="delete_message",
    ),
]
