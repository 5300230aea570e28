from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("tokens/", views.token_create, name="token_create"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
