from django.urls import path

from . import views
from .data_rights import views as data_views

app_name = "accounts"

urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("tokens/", views.token_create, name="token_create"),
    path("time-zone/", views.time_zone_update, name="time_zone"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("data/", data_views.data_page, name="data"),
    path("data/export/", data_views.data_export, name="data_export"),
    path(
        "data/exports/<int:export_id>/download/",
        data_views.data_export_download,
        name="data_export_download",
    ),
    path("data/deletion/", data_views.deletion_request, name="deletion_request"),
    path("data/deletion/cancel/", data_views.deletion_cancel, name="deletion_cancel"),
]
