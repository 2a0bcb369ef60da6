"""Roles are Django groups. Each role lists permission patterns ("app.action_model", "*" as a
wildcard) so that a model added later gets the right permissions without editing this file.

Administrators are superusers: they have everything, including `journeys.import_history`.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

CX_MANAGER = "CX manager"
AGENT = "Agent"
SURVEY_ADMIN = "Survey admin"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    CX_MANAGER: [
        "journeys.view_*",
        "tickets.view_*",
        "surveys.view_*",
        "metrics.view_*",
        # Managers shape journeys with the survey admins (issue: journeys editing).
        "journeys.add_journey*",
        "journeys.change_journey*",
        "journeys.delete_journey",
        "journeys.add_stage*",
        "journeys.change_stage*",
        "journeys.delete_stage*",
        "journeys.add_opportunity",
        "journeys.change_opportunity",
        "journeys.delete_opportunity",
        "metrics.view_dashboards",
        "metrics.view_kpis",
        "metrics.export_data",
    ],
    AGENT: [
        "tickets.view_*",
        "tickets.add_ticket",
        "tickets.change_ticket",
        "tickets.add_message",
        "journeys.view_customer",
        "journeys.add_customer",
        "journeys.change_customer",
        "journeys.view_touchpoint",
        "journeys.view_channel",
        "journeys.view_persona",
        "journeys.view_department",
        "journeys.view_journey*",
        "journeys.view_stage*",
        "journeys.view_opportunity",
    ],
    SURVEY_ADMIN: [
        "surveys.*",
        "journeys.*",
        "metrics.view_*",
        "metrics.add_kpitarget",
        "metrics.change_kpitarget",
        "metrics.delete_kpitarget",
        "metrics.change_kpialert",
        "metrics.view_dashboards",
        "metrics.view_kpis",
        "metrics.export_data",
    ],
}
# Survey admins may not import history (only administrators set past timestamps),
# nor delete customers.
ROLE_EXCLUDES: dict[str, list[str]] = {
    SURVEY_ADMIN: ["journeys.import_history", "journeys.delete_customer", "journeys.*_department"],
}


def _matches(codename: str, patterns: list[str]) -> bool:
    return any(fnmatchcase(codename, pattern) for pattern in patterns)


def ensure_roles(**_kwargs) -> None:
    """Create or update the role groups from the patterns above (runs after every migrate)."""
    from django.contrib.auth.models import Group, Permission

    all_perms = list(Permission.objects.select_related("content_type"))
    for role, patterns in ROLE_PERMISSIONS.items():
        excludes = ROLE_EXCLUDES.get(role, [])
        wanted = [
            perm
            for perm in all_perms
            if _matches(f"{perm.content_type.app_label}.{perm.codename}", patterns)
            and not _matches(f"{perm.content_type.app_label}.{perm.codename}", excludes)
        ]
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(wanted)
