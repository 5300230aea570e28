"""Event pages under /events/ (app_name "events").

e1 (core) owns this file. e2 and e3 own their own modules and add ONE line each below
(``*urls_prepare.urlpatterns`` / ``*urls_calendar.urlpatterns``).
"""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "events"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.discover, name="list"),
    path("mine/", views.mine, name="mine"),
    path("new/", views.event_create, name="create"),
    path("<int:event_id>/", views.event_detail, name="detail"),
    path("<int:event_id>/edit/", views.event_edit, name="edit"),
    path("<int:event_id>/publish/", views.event_publish, name="publish"),
    path("<int:event_id>/cancel/", views.event_cancel, name="cancel"),
    path("<int:event_id>/organizers/", views.organizers, name="organizers"),
    path(
        "<int:event_id>/organizers/<slug:handle>/remove/",
        views.organizer_remove,
        name="organizer_remove",
    ),
    path("<int:event_id>/shifts/", views.shifts, name="shifts"),
    path("<int:event_id>/shifts/<int:shift_id>/delete/", views.shift_delete, name="shift_delete"),
    path("<int:event_id>/register/", views.register, name="register"),
    path("<int:event_id>/register/cancel/", views.register_cancel, name="register_cancel"),
    path("<int:event_id>/register/visibility/", views.register_visibility, name="visibility"),
    path("<int:event_id>/roster/", views.roster, name="roster"),
    path("<int:event_id>/roster.csv", views.roster_csv, name="roster_csv"),
    path("<int:event_id>/attendance/", views.attendance, name="attendance"),
]

# e2 / e3: add your line here, e.g. ``urlpatterns += urls_prepare.urlpatterns``
from .urls_calendar import urlpatterns as calendar_urlpatterns  # noqa: E402  (e3)

urlpatterns += calendar_urlpatterns  # e3: .ics, calendar feed, certificates
from .urls_prepare import urlpatterns as prepare_urlpatterns  # noqa: E402  (e2)

urlpatterns += prepare_urlpatterns  # e2: prepare, people I met, follow-up, recommended
