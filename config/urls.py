from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from config.api import api
from rounds.core import views as core_views
from rounds.events import urls_calendar

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("guard/preview/", core_views.guard_preview, name="guard_preview"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("settings/", include("rounds.accounts.urls")),
    path("messages/", include("rounds.messaging.urls")),
    path("notifications/", include("rounds.notifications.urls")),
    path("contacts/", include("rounds.contacts.urls")),
    # /feed/… (posts, the feed tabs) and /topics/<slug>/
    path("", include("rounds.feed.urls")),
    path("groups/", include("rounds.community.urls")),
    path("events/", include("rounds.events.urls")),
    # /certificates/<code>/: public verification of certificates of attendance (events)
    path(
        "certificates/",
        include((urls_calendar.certificate_urlpatterns, "certificates")),
    ),
    # /report/<kind>/<id>/ (members) and /moderation/… (moderators, staff)
    path("", include("rounds.moderation.urls")),
    # /network/… (the member's own network) and /members/<handle>/connect|follow|block|followers…
    path("", include("rounds.network.urls")),
    path("", include("rounds.profiles.urls")),
]

if not settings.PRODUCTION:
    # Local media (avatars). In production the web server or object storage serves MEDIA_ROOT.
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]

handler400 = "rounds.core.views.bad_request"
handler403 = "rounds.core.views.forbidden"
handler404 = "rounds.core.views.not_found"
handler500 = "rounds.core.views.server_error"
