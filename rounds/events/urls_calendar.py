"""Calendar and certificate URLs (e3).

``urlpatterns`` are added to ``rounds/events/urls.py`` (under ``/events/``, namespace
"events"); ``certificate_urlpatterns`` are mounted at ``/certificates/`` by config/urls.py
(namespace "certificates"): the public verification pages.
"""

from django.urls import path

from . import views_calendar

urlpatterns = [
    path("<int:event_id>/calendar.ics", views_calendar.event_ics, name="calendar_ics"),
    path("<int:event_id>/certificate/", views_calendar.certificate_show, name="certificate"),
    path("calendar/", views_calendar.calendar_feed, name="calendar_feed"),
    path("calendar/new/", views_calendar.calendar_feed_create, name="calendar_feed_create"),
    path("calendar/revoke/", views_calendar.calendar_feed_revoke, name="calendar_feed_revoke"),
    path("feed/<str:token>.ics", views_calendar.calendar_feed_ics, name="calendar_feed_ics"),
]

#: Mounted at /certificates/ with the namespace "certificates".
certificate_urlpatterns = [
    path("", views_calendar.certificate_lookup, name="lookup"),
    path("<str:code>/", views_calendar.certificate_verify, name="verify"),
]
