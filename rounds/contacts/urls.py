"""The contacts notebook pages, at /contacts/ (private to each member)."""

from django.urls import path

from . import views

app_name = "contacts"

urlpatterns = [
    path("", views.contact_list, name="list"),
    path("new/", views.contact_add, name="add"),
    path("due/", views.due_list, name="due"),
    path("tags/", views.tag_list, name="tags"),
    path("tags/<int:tag_id>/", views.tag_edit, name="tag_edit"),
    path("tags/<int:tag_id>/delete/", views.tag_delete, name="tag_delete"),
    path("settings/", views.notebook_settings, name="settings"),
    path("export.vcf", views.export_vcards, name="export"),
    path("import/", views.import_home, name="import"),
    path("import/linkedin/", views.import_linkedin, name="import_linkedin"),
    path("import/vcard/", views.import_vcard, name="import_vcard"),
    path("import/<int:import_id>/", views.import_preview, name="import_preview"),
    path("import/<int:import_id>/cancel/", views.import_cancel, name="import_cancel"),
    path("<int:contact_id>/", views.contact_detail, name="detail"),
    path("<int:contact_id>/edit/", views.contact_edit, name="edit"),
    path("<int:contact_id>/log/", views.contact_log, name="log"),
    path("<int:contact_id>/quick-log/", views.contact_quick_log, name="quick_log"),
    path("<int:contact_id>/cadence/", views.contact_cadence, name="cadence"),
    path("<int:contact_id>/tags/", views.contact_tags, name="contact_tags"),
    path("<int:contact_id>/snooze/", views.contact_snooze, name="snooze"),
    path("<int:contact_id>/archive/", views.contact_archive, name="archive"),
    path("<int:contact_id>/delete/", views.contact_delete, name="delete"),
    path("<int:contact_id>/vcard/", views.contact_vcard, name="vcard"),
    path("<int:contact_id>/notes/<int:note_id>/edit/", views.note_edit, name="note_edit"),
    path("<int:contact_id>/notes/<int:note_id>/delete/", views.note_delete, name="note_delete"),
]
