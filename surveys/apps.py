from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from cxhub.navigation import NavEntry, register
        from journeys.timeline import register_timeline_provider
        from surveys import receivers
        from surveys.timeline import response_entries
        from tickets import signals

        register(NavEntry(_("Surveys"), "surveys:survey_list", "surveys.view_survey", 30))
        signals.ticket_resolved.connect(
            receivers.on_ticket_resolved, dispatch_uid="surveys.post_ticket_csat"
        )
        signals.ticket_reopened.connect(
            receivers.on_ticket_reopened, dispatch_uid="surveys.post_ticket_cancel"
        )
        register_timeline_provider("survey_responses", response_entries)
