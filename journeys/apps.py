from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = _("Customers and journeys")

    def ready(self) -> None:
        from cxhub.navigation import NavEntry, register

        register(NavEntry(_("Customers"), "journeys:customer_list", "journeys.view_customer", 60))
        register(NavEntry(_("Journeys"), "journeys:journey_list", "journeys.view_journey", 50))
