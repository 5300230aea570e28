from datetime import timedelta

from django.contrib import admin
from django.utils import timezone

from .models import AuditEntry, GuardTally


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ["created_at", "actor", "action", "target_type", "target_id"]
    list_filter = ["action"]
    search_fields = ["target_id", "actor__email"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GuardTally)
class GuardTallyAdmin(admin.ModelAdmin):
    """Read-only counts of the professionalism guard's refusals and overrides (never text).

    Above the list: warned / published-anyway / blocked per rule and the override rate, for
    the rows the filters select (the last 30 days unless a date is chosen).
    """

    list_display = ["day", "kind", "category", "rule", "outcome", "count"]
    list_filter = ["outcome", "category", "kind", "day"]
    search_fields = ["rule"]
    date_hierarchy = "day"
    change_list_template = "admin/core/guardtally/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        from .publishing import override_rates

        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if isinstance(context, dict) and context.get("cl") is not None:
            filtered = any(key.startswith("day") for key in request.GET)
            since = None if filtered else timezone.now().date() - timedelta(days=29)
            context["override_rates"] = override_rates(since=since, tallies=context["cl"].queryset)
            context["override_period"] = "the selected days" if filtered else "the last 30 days"
        return response
