from django.contrib import admin

from surveys import models


class QuestionInline(admin.StackedInline):
    model = models.Question
    extra = 0


@admin.register(models.Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "touchpoint", "is_active", "invitation_only"]
    list_filter = ["is_active", "touchpoint"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [QuestionInline]


@admin.register(models.Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["survey", "customer", "status", "sent_at", "responded_at"]
    list_filter = ["status", "survey"]
    raw_id_fields = ["customer", "ticket"]
    exclude = ["token"]  # a token is a credential: never shown in lists or forms


@admin.register(models.Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["survey", "customer", "touchpoint", "submitted_at", "nps_score", "csat_score"]
    list_filter = ["survey"]
    raw_id_fields = ["customer", "invitation", "ticket"]
    date_hierarchy = "submitted_at"


@admin.register(models.FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["response", "ticket", "reason", "created_at"]
    raw_id_fields = ["response", "ticket"]


admin.site.register(models.ContactPolicy)
