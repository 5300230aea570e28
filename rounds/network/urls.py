"""Network pages. Included at the site root: the member's own network lives under /network/,
actions on another member under /members/<handle>/ next to their profile."""

from django.urls import path

from . import views

app_name = "network"

urlpatterns = [
    path("network/", views.my_network, name="home"),
    path("network/connections/", views.connection_list, name="connections"),
    path("network/connections/<str:handle>/", views.connection_detail, name="connection"),
    path(
        "network/connections/<str:handle>/label/",
        views.connection_label,
        name="connection_label",
    ),
    path("network/connections/<str:handle>/type/", views.connection_type, name="connection_type"),
    path(
        "network/connections/<str:handle>/interactions/",
        views.connection_interaction,
        name="connection_interaction",
    ),
    path(
        "network/connections/<str:handle>/remove/",
        views.connection_remove,
        name="connection_remove",
    ),
    path("network/requests/", views.request_list, name="requests"),
    path("network/requests/<int:request_id>/accept/", views.request_accept, name="request_accept"),
    path(
        "network/requests/<int:request_id>/decline/",
        views.request_decline,
        name="request_decline",
    ),
    path(
        "network/requests/<int:request_id>/withdraw/",
        views.request_withdraw,
        name="request_withdraw",
    ),
    path("network/recommendations/", views.recommendations, name="recommendations"),
    path(
        "network/recommendations/<str:handle>/dismiss/",
        views.recommendation_dismiss,
        name="recommendation_dismiss",
    ),
    path("network/blocked/", views.blocked_list, name="blocked"),
    path("members/<str:handle>/connect/", views.connect, name="connect"),
    path("members/<str:handle>/follow/", views.follow_view, name="follow"),
    path("members/<str:handle>/unfollow/", views.unfollow_view, name="unfollow"),
    path("members/<str:handle>/block/", views.block_view, name="block"),
    path("members/<str:handle>/unblock/", views.unblock_view, name="unblock"),
    path("members/<str:handle>/followers/", views.followers, name="followers"),
    path("members/<str:handle>/following/", views.following, name="following"),
]
