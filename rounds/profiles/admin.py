from django.contrib import admin

from .models import Affiliation, Goal, Interest, Organization, Profile, Specialty


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "handle", "role", "visibility", "npi", "npi_verified_at"]
    search_fields = ["display_name", "handle", "user__email", "npi"]
    list_filter = ["role", "visibility"]
    raw_id_fields = ["user", "npi_verified_by"]
    filter_horizontal = ["specialties", "goals", "interests"]
    # NPI verification is audited: staff use the button on the profile page, not this form.
    readonly_fields = ["npi_verified_at", "npi_verified_by"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "city", "country"]
    search_fields = ["name", "slug", "city"]
    list_filter = ["kind"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Affiliation)
class AffiliationAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "title", "is_current"]
    raw_id_fields = ["user", "organization"]


admin.site.register(Specialty, list_display=["name", "slug", "parent"], search_fields=["name"])
admin.site.register(Goal, list_display=["name", "slug", "curated"], search_fields=["name"])
admin.site.register(Interest, list_display=["name", "slug", "curated"], search_fields=["name"])
