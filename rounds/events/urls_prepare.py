"""Prepare, people I met, follow-up and recommended pages (included by ``urls.py``)."""

from django.urls import path

from . import views_prepare as views

urlpatterns = [
    path("recommended/", views.recommended, name="recommended"),
    path("<int:event_id>/prepare/", views.prepare, name="prepare"),
    path("<int:event_id>/met/", views.met, name="met"),
    path("<int:event_id>/met/<slug:handle>/", views.met_mark, name="met_mark"),
    path("<int:event_id>/met/<slug:handle>/unmark/", views.met_unmark, name="met_unmark"),
    path("<int:event_id>/met/<slug:handle>/connect/", views.met_connect, name="met_connect"),
    path("<int:event_id>/follow-up/", views.follow_up, name="follow_up"),
]
