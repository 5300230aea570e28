"""Moderation pages: /report/<kind>/<id>/ for members, /moderation/… for moderators."""

from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("report/<slug:kind>/<int:target_id>/", views.report, name="report"),
    path("moderation/", views.queue, name="queue"),
    path("moderation/reports/<int:report_id>/", views.report_detail, name="report_detail"),
    path("moderation/guard/", views.guard_overrides, name="guard"),
    path("moderation/log/", views.log, name="log"),
    path("moderation/suspensions/", views.suspensions, name="suspensions"),
    path(
        "moderation/suspensions/<int:suspension_id>/lift/",
        views.suspension_lift,
        name="suspension_lift",
    ),
    path("moderation/notices/<int:action_id>/", views.notice, name="notice"),
]
