from django.contrib import admin

from journeys import models


@admin.register(models.Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "order"]


@admin.register(models.Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["slug", "name"]
    filter_horizontal = ["members"]


@admin.register(models.Persona)
class PersonaAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "age_min", "age_max", "location", "preferred_channel"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "channel", "department", "is_active"]
    list_filter = ["channel", "department", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["external_id", "name", "persona", "active_since", "churned_at"]
    list_filter = ["persona"]
    search_fields = ["external_id", "name", "email"]
    list_select_related = ["persona"]


class StageTouchpointInline(admin.TabularInline):
    model = models.StageTouchpoint
    extra = 0


@admin.register(models.Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["journey", "order", "name", "emotion_score"]
    list_filter = ["journey"]
    inlines = [StageTouchpointInline]


@admin.register(models.Journey)
class JourneyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "persona", "state", "review_due"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ["title", "journey", "status", "kpi_key"]
    list_filter = ["status", "journey"]


@admin.register(models.JourneyEvent)
class JourneyEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "customer", "journey", "stage", "touchpoint", "type"]
    list_filter = ["journey", "type"]
    raw_id_fields = ["customer"]
    date_hierarchy = "occurred_at"
