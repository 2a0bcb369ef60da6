"""Tickets with their messages and status history, by COPY, with the derived timing fields the
tickets services keep (first response, resolution, business-hours forms, FCR, SLA) computed from
the same events, so ticket KPIs read consistent numbers.

Replies arrive within business hours, tickets also arrive at night and at weekends, a few are
reopened, the newest are still open (the backlog). No ticket is ever pending, so the SLA clocks
(which pause while pending) and the calendar clocks agree on every interval.
"""

from __future__ import annotations

import tempfile
from bisect import bisect
from itertools import accumulate

from metrics.bench import copy as c
from metrics.bench.calendar import DAY, add_business_seconds, business_seconds
from metrics.bench.context import GenContext
from metrics.bench.gen_surveys import day_weights
from tickets.models import Message, StatusChange, Ticket

ARRIVAL_HOURS = [3, 2, 2, 2, 2, 3, 5, 8, 10, 12, 12, 11, 10, 11, 12, 11, 10, 9, 8, 8, 7, 6, 5, 4]
PRIORITIES = [("low", 0.2), ("normal", 0.55), ("high", 0.2), ("urgent", 0.05)]
SERVICE_TOUCHPOINTS = {
    "help-desk": 8,
    "support-chat": 8,
    "phone-support": 8,
    "returns": 5,
    "delivery": 5,
    "social-care": 3,
    "warranty": 3,
    "checkout": 3,
    "payment": 3,
}
CHANNELS_FOR_TICKETS = ["email", "chat", "phone", "web", "social"]
BODIES = {
    "customer": ["Hello, I need help with my order.", "Any news on this?", "Still not working."],
    "reply": ["Thanks for reaching out, we are on it.", "This is fixed now.", "Could you confirm?"],
    "note": ["Checked with logistics.", "Escalated to billing.", "Waiting on the warehouse."],
    "auto": ["We received your request and will answer soon."],
}
TICKET_COLUMNS = [
    "id", "reference", "subject", "customer_id", "channel_id", "touchpoint_id", "category_id",
    "priority", "status", "assignee_id", "department_id", "created_at", "opened_by_agent",
    "first_response_at", "frt_seconds", "frt_business_seconds", "resolved_at",
    "resolution_seconds", "resolution_business_seconds", "resolved_by_id", "public_reply_count",
    "reopened_count", "is_fcr", "sla_policy_id", "sla_first_response_due", "sla_resolution_due",
    "sla_first_response_breached", "sla_resolution_breached", "updated_at",
]  # fmt: skip
MESSAGE_COLUMNS = ["id", "ticket_id", "kind", "author_id", "body", "created_at"]
STATUS_COLUMNS = ["id", "ticket_id", "from_status", "to_status", "at", "actor_id"]


class _Lifecycle:
    """One ticket's events, in time order, stopped at the data set's "now"."""

    def __init__(self, ctx: GenContext, created: int, agent: int, sla: dict) -> None:
        self.ctx, self.rng, self.clock = ctx, ctx.rng, ctx.clock
        self.now = ctx.now_utc
        self.created, self.agent, self.sla = created, agent, sla
        self.messages: list[tuple[int, str, int | None]] = [(created, "customer", None)]
        self.changes: list[tuple[str, str, int, int | None]] = [("", "new", created, None)]
        self.status = "new"
        self.first_response: int | None = None
        self.resolved: int | None = None
        self.replies = 0
        self.reopened = 0
        self.last = created
        # Resolved stretches ended by a reopen: tickets.timing pauses the SLA clocks there.
        self.pauses: list[tuple[int, int]] = []

    def after_business(self, utc: int, seconds: int) -> int:
        return self.clock.utc(add_business_seconds(self.clock.wall(utc), max(60, seconds)))

    def move(self, status: str, at: int, actor: int | None) -> None:
        self.changes.append((self.status, status, at, actor))
        self.status = status
        self.last = max(self.last, at)

    def reply(self, at: int) -> None:
        self.messages.append((at, "reply", self.agent))
        self.replies += 1
        self.last = max(self.last, at)
        if self.first_response is None:
            self.first_response = at
            self.move("open", at, self.agent)

    def customer(self, at: int) -> None:
        self.messages.append((at, "customer", None))
        self.last = max(self.last, at)

    def run(self) -> None:
        rng = self.rng
        if rng.random() < 0.35:
            self.messages.append((self.created + 20, "auto", None))
        if rng.random() > 0.97:
            return  # never answered: awaiting a first response
        typical = self.sla["fr"] * 60
        at = self.after_business(self.created, int(typical * rng.lognormvariate(-0.6, 0.8)))
        wanted = 1 if rng.random() < 0.62 else (2 if rng.random() < 0.66 else 3)
        for number in range(wanted):
            if at > self.now:
                return
            self.reply(at)
            if number + 1 < wanted:
                asked = at + rng.randrange(600, DAY)
                if asked > self.now:
                    return
                self.customer(asked)
                at = self.after_business(asked, int(typical * rng.lognormvariate(-0.6, 0.8)))
        if rng.random() > 0.93:
            return
        resolved = at + rng.randrange(300, 4 * 3600)
        if resolved > self.now:
            return
        self.resolved = resolved
        self.move("resolved", resolved, self.agent)
        if rng.random() < 0.06:
            back = resolved + rng.randrange(3600, 3 * DAY)
            if back > self.now:
                return
            self.pauses.append((resolved, back))
            self.resolved = None
            self.reopened += 1
            self.customer(back)
            self.move("open", back, None)
            again = self.after_business(back, int(typical * rng.lognormvariate(-0.6, 0.8)))
            if again > self.now:
                return
            self.reply(again)
            done = again + rng.randrange(300, 4 * 3600)
            if done > self.now:
                return
            self.resolved = done
            self.move("resolved", done, self.agent)
        if rng.random() < 0.6 and self.resolved + 3 * DAY <= self.now:
            self.move("closed", self.resolved + 3 * DAY, None)

    def pad(self, extra: int) -> None:
        """Internal notes and customer follow-ups that change no KPI, to reach the message count."""
        end = max(self.last, self.created + 600)
        for _ in range(extra):
            kind = "note" if self.rng.random() < 0.5 else "customer"
            at = self.rng.randrange(self.created + 30, end + 1)
            self.messages.append((at, kind, self.agent if kind == "note" else None))


def seed_tickets(ctx: GenContext) -> dict:
    rng, params, clock = ctx.rng, ctx.params, ctx.clock
    by_slug = {t["slug"]: t for t in ctx.touchpoints}
    weighted = [(t, SERVICE_TOUCHPOINTS.get(t["slug"], 0.3)) for t in ctx.touchpoints]
    tp_cum = list(accumulate(w for _, w in weighted))
    prio_cum = list(accumulate(w for _, w in PRIORITIES))
    hours = list(accumulate(ARRIVAL_HOURS))
    channels = [ctx.channel_ids[s] for s in CHANNELS_FOR_TICKETS if s in ctx.channel_ids]
    payment = ctx.category_ids[0]
    checkout = by_slug.get("checkout")
    dip_from, dip_to = params.days - 49, params.days - 21
    counts = ctx.day_counts(params.tickets, day_weights(ctx, weekend=0.45))
    bar = ctx.progress(params.tickets, "tickets")
    # Messages and history wait in files while the tickets they point at are copied first.
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8") as messages_file,
        tempfile.TemporaryFile("w+", encoding="utf-8") as changes_file,
    ):
        totals = {"messages": 0, "status_changes": 0}

        def ticket_lines():
            tid = message_id = change_id = 0
            for day_index, count in enumerate(counts):
                day_wall = (ctx.start_wall_day + day_index) * DAY
                spike = checkout is not None and dip_from <= day_index < dip_to
                for _ in range(count):
                    tid += 1
                    wall = day_wall + bisect(hours, rng.random() * hours[-1]) * 3600
                    created = clock.utc(wall + rng.randrange(3600))
                    touchpoint = weighted[bisect(tp_cum, rng.random() * tp_cum[-1])][0]
                    category = rng.choice(ctx.category_ids)
                    if spike and rng.random() < 0.3:
                        touchpoint, category = checkout, payment
                    priority = PRIORITIES[bisect(prio_cum, rng.random() * prio_cum[-1])][0]
                    sla = ctx.sla[priority]
                    agent = rng.choice(ctx.agent_ids)
                    life = _Lifecycle(ctx, created, agent, sla)
                    life.run()
                    # Keep the running total on course for --messages without changing any KPI.
                    target = params.messages * tid // params.tickets
                    deficit = target - totals["messages"] - len(life.messages)
                    life.pad(max(0, min(6, deficit)))
                    for at, kind, author in sorted(life.messages):
                        message_id += 1
                        body = rng.choice(BODIES[kind])
                        messages_file.write(
                            f"{message_id}\t{tid}\t{kind}\t{c.num(author)}\t{body}\t{c.ts(at)}\n"
                        )
                    for before, after, at, actor in life.changes:
                        change_id += 1
                        changes_file.write(
                            f"{change_id}\t{tid}\t{before}\t{after}\t{c.ts(at)}\t{c.num(actor)}\n"
                        )
                    totals["messages"] += len(life.messages)
                    totals["status_changes"] += len(life.changes)
                    bar.update(1)
                    yield _ticket_line(
                        ctx, tid, touchpoint, category, priority, agent, life, rng, channels
                    )

        with c.bulk_load(["tickets_ticket", "tickets_message", "tickets_statuschange"]):
            c.copy_lines(
                "tickets_ticket",
                TICKET_COLUMNS,
                ticket_lines(),
                extra=c.missing_columns(Ticket, TICKET_COLUMNS),
            )
            bar.close()
            for handle, table, columns, model in (
                (messages_file, "tickets_message", MESSAGE_COLUMNS, Message),
                (changes_file, "tickets_statuschange", STATUS_COLUMNS, StatusChange),
            ):
                handle.seek(0)
                lines = (line.rstrip("\n") for line in handle)
                c.copy_lines(table, columns, lines, extra=c.missing_columns(model, columns))
        for table in ("tickets_ticket", "tickets_message", "tickets_statuschange"):
            c.reset_sequence(table)
        return {"tickets": params.tickets, **totals}


def _ticket_line(ctx, tid, touchpoint, category, priority, agent, life, rng, channels) -> str:
    clock, created = ctx.clock, life.created
    fr_due = _due(clock, created, life.sla["fr"] * 60, life.pauses)
    res_due = _due(clock, created, life.sla["res"] * 60, life.pauses)
    first = life.first_response
    resolved = life.resolved if life.status in ("resolved", "closed") else None
    frt = frt_business = resolution = resolution_business = None
    if first is not None:
        frt = first - created
        frt_business = business_seconds(clock.wall(created), clock.wall(first))
    if resolved is not None:
        resolution = resolved - created
        resolution_business = business_seconds(clock.wall(created), clock.wall(resolved))
    fr_breached = (first if first is not None else life.now) > fr_due
    res_breached = (resolved if resolved is not None else life.now) > res_due
    is_fcr = resolved is not None and life.replies == 1 and life.reopened == 0
    channel = touchpoint["channel_id"] if rng.random() < 0.5 else rng.choice(channels)
    return "\t".join(
        (
            str(tid),
            f"BT{tid:08d}",
            "Help needed",
            str(rng.randrange(ctx.params.customers) + 1),
            str(channel),
            str(touchpoint["id"]),
            str(category),
            priority,
            life.status,
            str(agent),
            str(touchpoint["department_id"]),
            c.ts(created),
            "f",
            c.ts(first),
            c.num(frt),
            c.num(frt_business),
            c.ts(resolved),
            c.num(resolution),
            c.num(resolution_business),
            c.num(agent if resolved is not None else None),
            str(life.replies),
            str(life.reopened),
            c.boolean(is_fcr),
            str(life.sla["id"]),
            c.ts(fr_due),
            c.ts(res_due),
            c.boolean(fr_breached),
            c.boolean(res_breached),
            c.ts(life.last),
        )
    )


def _due(clock, created: int, seconds: int, pauses: list[tuple[int, int]]) -> int:
    """An SLA deadline on the default calendar, skipping resolved stretches that a reopen ended
    (as tickets.timing does)."""
    cursor, remaining = clock.wall(created), seconds
    for start, end in pauses:
        available = business_seconds(cursor, clock.wall(start))
        if remaining <= available:
            break
        remaining -= available
        cursor = max(cursor, clock.wall(end))
    return clock.utc(add_business_seconds(cursor, remaining))
