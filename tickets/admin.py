from django.contrib import admin

from tickets import models


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
        "is_active",
    ]


@admin.register(models.Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class MessageInline(admin.TabularInline):
    model = models.Message
    extra = 0
    readonly_fields = ["kind", "author", "body", "created_at"]


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
    ]
    list_filter = ["status", "priority", "channel", "category"]
    search_fields = ["reference", "subject", "customer__external_id"]
    raw_id_fields = ["customer"]
    readonly_fields = [
        "first_response_at",
        "frt_seconds",
        "frt_business_seconds",
        "resolved_at",
        "resolution_seconds",
        "resolution_business_seconds",
        "public_reply_count",
        "reopened_count",
        "is_fcr",
    ]
    inlines = [MessageInline]
