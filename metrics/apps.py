from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = _("Metrics")

    def ready(self) -> None:
        from cxhub.navigation import NavEntry, register
        from cxhub.roles import ensure_roles
        from journeys import overlay as journey_overlay
        from metrics import overlay

        # metrics is the top app and the last to migrate: every permission exists by then.
        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="cxhub.ensure_roles")
        register(NavEntry(_("Overview"), "metrics:overview", "metrics.view_dashboards", 10))
        register(NavEntry(_("Touchpoints"), "metrics:touchpoints", "metrics.view_dashboards", 11))
        journey_overlay.register(
            touchpoint_overlay=overlay.touchpoint_overlay,
            stage_emotion=overlay.stage_emotion,
            baseline=overlay.baseline,
        )
