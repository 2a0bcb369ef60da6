"""Ticket timing derived from history: pure code over plain values, no ORM.

services.ticket_timing_refresh feeds it the ticket's rows and stores the result; the demo seeder
feeds it the rows it is about to bulk-insert. One definition, so every figure on a ticket is the
same wherever it was computed (PRODUCT.md: frt, resolution_time, fcr, sla_breach_rate).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tickets.business_time import CalendarSpec, Pause, add_business_time, business_duration

NEW, OPEN, PENDING, RESOLVED, CLOSED = "new", "open", "pending", "resolved", "closed"
DONE = frozenset({RESOLVED, CLOSED})
ACTIVE = frozenset({NEW, OPEN, PENDING})

# The allowed status graph. Reopening is done -> open; a resolved ticket may be closed.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({OPEN, PENDING, RESOLVED, CLOSED}),
    OPEN: frozenset({PENDING, RESOLVED, CLOSED}),
    PENDING: frozenset({OPEN, RESOLVED, CLOSED}),
    RESOLVED: frozenset({OPEN, CLOSED}),
    CLOSED: frozenset({OPEN}),
}


@dataclass(frozen=True)
class MessageRow:
    kind: str  # "reply" | "customer" | "note" | "auto"
    created_at: datetime
    id: int = 0
    is_opening: bool = False


@dataclass(frozen=True)
class ChangeRow:
    to_status: str
    at: datetime
    id: int = 0
    actor_id: int | None = None


@dataclass(frozen=True)
class SlaTargets:
    first_response: timedelta
    resolution: timedelta
    spec: CalendarSpec | None  # None: calendar hours


@dataclass
class Timing:
    status: str
    first_response_at: datetime | None = None
    frt_seconds: float | None = None
    frt_business_seconds: float | None = None
    resolved_at: datetime | None = None
    resolved_by_id: int | None = None
    resolution_seconds: float | None = None
    resolution_business_seconds: float | None = None
    public_reply_count: int = 0
    reopened_count: int = 0
    is_fcr: bool = False
    sla_first_response_due: datetime | None = None
    sla_resolution_due: datetime | None = None
    sla_first_response_breached: bool = False
    sla_resolution_breached: bool = False
    # The status each change came from, in time order: history imported out of order is re-chained.
    from_statuses: dict[int, str] = field(default_factory=dict)


def status_at(changes: Iterable[ChangeRow], moment: datetime, initial: str = NEW) -> str:
    """The status in effect at `moment` (changes at that very instant already applied)."""
    status = initial
    for change in sorted(changes, key=lambda c: (c.at, c.id)):
        if change.at > moment:
            break
        status = change.to_status
    return status


def compute_timing(
    *,
    created_at: datetime,
    messages: Iterable[MessageRow],
    changes: Iterable[ChangeRow],
    business_spec: CalendarSpec | None,
    sla: SlaTargets | None,
    now: datetime,
    initial_status: str = NEW,
) -> Timing:
    """Every derived figure of one ticket, from all its rows sorted by time."""
    ordered_messages = sorted(messages, key=lambda m: (m.created_at, m.id))
    ordered_changes = sorted(changes, key=lambda c: (c.at, c.id))

    agent_replies = [m for m in ordered_messages if m.kind == "reply" and not m.is_opening]
    first_response_at = agent_replies[0].created_at if agent_replies else None

    status = initial_status
    from_statuses: dict[int, str] = {}
    resolved_at: datetime | None = None
    resolved_by_id: int | None = None
    reopened = 0
    # SLA clock pauses: pending on the customer, and (for resolution) time spent resolved.
    pending_pauses: list[Pause] = []
    done_pauses: list[Pause] = []
    since = created_at
    for change in ordered_changes:
        from_statuses[change.id] = status
        if status == PENDING:
            pending_pauses.append((since, change.at))
        elif status in DONE:
            done_pauses.append((since, change.at))
        if status not in DONE and change.to_status in DONE:
            resolved_at, resolved_by_id = change.at, change.actor_id
        elif status in DONE and change.to_status in ACTIVE:
            reopened += 1
        status = change.to_status
        since = change.at
    if status == PENDING:
        pending_pauses.append((since, None))
    elif status in DONE:
        done_pauses.append((since, None))
    if status not in DONE:
        resolved_at = resolved_by_id = None

    timing = Timing(
        status=status,
        first_response_at=first_response_at,
        resolved_at=resolved_at,
        resolved_by_id=resolved_by_id,
        public_reply_count=len(agent_replies),
        reopened_count=reopened,
        from_statuses=from_statuses,
    )
    if first_response_at is not None:
        timing.frt_seconds = _seconds(first_response_at - created_at)
        timing.frt_business_seconds = business_duration(
            created_at, first_response_at, business_spec
        ).total_seconds()
    if resolved_at is not None:
        timing.resolution_seconds = _seconds(resolved_at - created_at)
        timing.resolution_business_seconds = business_duration(
            created_at, resolved_at, business_spec
        ).total_seconds()
    timing.is_fcr = resolved_at is not None and len(agent_replies) == 1 and reopened == 0

    if sla is not None:
        # The final resolved stretch is not a pause: the clock stopped there, and the due time
        # stays where the deadline was (shown on resolved tickets, compared with resolved_at).
        # Closing a resolved ticket is still the same stretch: drop every done stretch from the
        # last resolution on.
        if resolved_at is not None:
            done_pauses = [p for p in done_pauses if p[0] < resolved_at]
        pauses = pending_pauses + [p for p in done_pauses if p[1] is not None]
        timing.sla_first_response_due = add_business_time(
            created_at, sla.first_response, sla.spec, pauses=pauses
        )
        timing.sla_resolution_due = add_business_time(
            created_at, sla.resolution, sla.spec, pauses=pauses
        )
        # A ticket resolved without a reply stopped its first-response clock at resolution.
        response_clock_stop = first_response_at or resolved_at
        timing.sla_first_response_breached = _breached(
            timing.sla_first_response_due, response_clock_stop, now
        )
        timing.sla_resolution_breached = _breached(timing.sla_resolution_due, resolved_at, now)
    return timing


def _seconds(delta: timedelta) -> float:
    return max(delta.total_seconds(), 0.0)


def _breached(due: datetime | None, met_at: datetime | None, now: datetime) -> bool:
    if due is None:
        return False
    if met_at is not None:
        return met_at > due
    return now > due
