"""Coarse rollups: the fine response, ticket, resolution and invitation rollups summed per day ×
touchpoint, so the usual read (no channel, persona, language or category filter) sums a few
thousand rows for a quarter whatever the data size. metrics.rollups.coarse fills them from the
fine rows in the recompute transaction."""

from __future__ import annotations

from django.db import models

from metrics.models.rollups import (
    CES_POINTS,
    CSAT5_POINTS,
    CSAT7_POINTS,
    NPS_POINTS,
    Rollup,
    _count,
    _dim,
    _sum,
)


class ResponseDayTouchpoint(Rollup):
    """ResponseDaily summed over channel, persona and language: one row per day and touchpoint, so
    its size stops growing with responses. Reads without those filters or groupings use it
    (metrics.rollups.coarse fills it from the fine rows in the same transaction)."""

    day = models.DateField()
    touchpoint_id = _dim()
    responses = _count()
    for _p in NPS_POINTS:
        locals()[f"nps_{_p}"] = _count()
    for _p in CSAT5_POINTS:
        locals()[f"csat5_{_p}"] = _count()
    for _p in CSAT7_POINTS:
        locals()[f"csat7_{_p}"] = _count()
    for _p in CES_POINTS:
        locals()[f"ces_{_p}"] = _count()
    del _p

    class Meta:
        db_table = "metrics_response_day_touchpoint"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "touchpoint_id"], name="response_day_touchpoint_key"
            )
        ]


class TicketDayTouchpoint(Rollup):
    """TicketDaily summed over channel, persona, category and priority (one row per day and
    touchpoint), for reads without those filters or groupings."""

    day = models.DateField()
    touchpoint_id = _dim()
    created = _count()
    fcr = _count()
    sla_total = _count()
    sla_breached = _count()
    frt_n = _count()
    frt_sum = _sum()
    frt_sumsq = _sum()
    frtb_n = _count()
    frtb_sum = _sum()
    frtb_sumsq = _sum()

    class Meta:
        db_table = "metrics_ticket_day_touchpoint"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "touchpoint_id"], name="ticket_day_touchpoint_key"
            )
        ]


class ResolutionDayTouchpoint(Rollup):
    """ResolutionDaily summed over channel, persona, category and priority, for reads without
    those filters or groupings (the overview's resolution tiles read 180 days of it)."""

    day = models.DateField()
    touchpoint_id = _dim()
    resolved = _count()
    reopened = _count()
    res_n = _count()
    res_sum = _sum()
    res_sumsq = _sum()
    resb_n = _count()
    resb_sum = _sum()
    resb_sumsq = _sum()

    class Meta:
        db_table = "metrics_resolution_day_touchpoint"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "touchpoint_id"], name="resolution_day_touchpoint_key"
            )
        ]


class InvitationDayTouchpoint(Rollup):
    """InvitationDaily summed over channel, persona and language (a language filter reads the
    fine table), for the response-rate reads of the overview and the API."""

    day = models.DateField()
    touchpoint_id = _dim()
    sent = _count()
    responded = _count()

    class Meta:
        db_table = "metrics_invitation_day_touchpoint"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "touchpoint_id"], name="invitation_day_touchpoint_key"
            )
        ]
