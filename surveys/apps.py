from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from cxhub.navigation import NavEntry, register

        register(NavEntry(_("Surveys"), "surveys:survey_list", "surveys.view_survey", 30))
