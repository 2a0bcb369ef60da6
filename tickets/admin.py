from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tickets import models, services
from tickets.services import DERIVED_FIELDS


class OpeningHoursInline(admin.TabularInline):
    model = models.OpeningHours
    extra = 0


class HolidayInline(admin.TabularInline):
    model = models.Holiday
    extra = 0


@admin.register(models.BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "is_default"]
    inlines = [OpeningHoursInline, HolidayInline]


@admin.register(models.SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "priority",
        "first_response_minutes",
        "resolution_minutes",
        "business_hours",
        "calendar",
        "is_active",
    ]
    list_editable = ["first_response_minutes", "resolution_minutes", "business_hours"]
    list_filter = ["priority", "business_hours", "is_active"]


@admin.register(models.Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class MessageInline(admin.TabularInline):
    model = models.Message
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "author", "body", "created_at", "is_opening"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class StatusChangeInline(admin.TabularInline):
    model = models.StatusChange
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "at", "actor"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "subject",
        "status",
        "priority",
        "channel",
        "touchpoint",
        "assignee",
        "created_at",
        "sla_first_response_breached",
        "sla_resolution_breached",
    ]
    list_filter = [
        "status",
        "priority",
        "channel",
        "category",
        "sla_first_response_breached",
        "sla_resolution_breached",
    ]
    date_hierarchy = "created_at"
    search_fields = ["reference", "external_id", "subject", "customer__external_id"]
    raw_id_fields = ["customer", "assignee"]
    # Status and timing come from the history (services); editing them here would desynchronise.
    readonly_fields = [
        "reference",
        "status",
        "created_at",
        *(name for name in DERIVED_FIELDS if name not in ("status", "updated_at")),
    ]
    inlines = [MessageInline, StatusChangeInline]
    actions = ["recompute_timing"]

    @admin.action(description=_("Recompute timing and SLA (after editing calendars or policies)"))
    def recompute_timing(self, request, queryset) -> None:
        count = 0
        for ticket in queryset.iterator():
            services.ticket_timing_refresh(ticket=ticket)
            count += 1
        self.message_user(
            request,
            ngettext("Recomputed %d ticket.", "Recomputed %d tickets.", count) % count,
            messages.SUCCESS,
        )

    def has_add_permission(self, request) -> bool:
        # Tickets are opened from the agent pages, the API or import_tickets (services).
        return False

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        # A new priority changes the SLA targets.
        services.ticket_timing_refresh(ticket=obj)
