from django.urls import path

from . import views

app_name = "feed"

urlpatterns = [
    path("feed/", views.feed, name="feed"),
    path("feed/compose/", views.compose, name="compose"),
    path("feed/posts/", views.post_create, name="create"),
    path("feed/posts/<int:post_id>/", views.post_detail, name="post"),
    path("feed/posts/<int:post_id>/edit/", views.post_edit, name="edit"),
    path("feed/posts/<int:post_id>/delete/", views.post_delete, name="delete"),
    path("feed/posts/<int:post_id>/history/", views.post_history, name="history"),
    path("feed/posts/<int:post_id>/repost/", views.post_repost, name="repost"),
    path("feed/posts/<int:post_id>/like/", views.post_like, name="like"),
    path("feed/posts/<int:post_id>/bookmark/", views.post_bookmark, name="bookmark"),
    path("feed/posts/<int:post_id>/comments/", views.comment_create, name="comment"),
    path("feed/comments/<int:comment_id>/delete/", views.comment_delete, name="comment_delete"),
    path("feed/mutes/", views.mutes, name="mutes"),
    path("feed/mutes/<str:handle>/", views.member_mute, name="mute_member"),
    path("topics/<slug:slug>/", views.topic, name="topic"),
    path("topics/<slug:slug>/follow/", views.topic_follow, name="topic_follow"),
    path("topics/<slug:slug>/mute/", views.topic_mute, name="topic_mute"),
]
