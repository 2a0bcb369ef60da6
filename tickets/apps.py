from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from cxhub.navigation import NavEntry, register
        from journeys.timeline import register_timeline_provider
        from tickets.timeline import ticket_entries

        register(NavEntry(_("Tickets"), "tickets:queue", "tickets.view_ticket", 20))
        register_timeline_provider("tickets", ticket_entries)
