"""Rollup tables: additive parts per organisation-local day that every KPI is summed from, plus the
fill state of the recompute (metrics.services)."""

from __future__ import annotations

from django.db import models

# Additive parts per organisation-local day. Dimension columns are plain integers (0 = none) rather
# than foreign keys: they are facts about the past, unique constraints then work on every database
# (NULLs are never equal), and deleting a touchpoint never has to cascade into history.


def _dim() -> models.IntegerField:
    return models.IntegerField(default=0)


def _count() -> models.BigIntegerField:
    return models.BigIntegerField(default=0)


def _sum() -> models.FloatField:
    return models.FloatField(default=0.0)


class Rollup(models.Model):
    day = models.DateField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.day}"


NPS_POINTS = tuple(range(0, 11))
CSAT5_POINTS = tuple(range(1, 6))
CSAT7_POINTS = tuple(range(1, 8))
CES_POINTS = tuple(range(1, 8))


class ResponseDaily(Rollup):
    """Survey responses by submitted day: counts per answer point (sums and sums of squares follow
    exactly from the point counts). By survey too: the answer distribution of a survey's NPS, CSAT
    and CES questions is read from these counts (selectors.answer_distribution), not stored again
    as answer rows."""

    day = models.DateField()
    survey_id = _dim()
    touchpoint_id = _dim()
    channel_id = _dim()
    persona_id = _dim()
    language = models.CharField(max_length=10, default="")
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
        db_table = "metrics_response_daily"
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "day",
                    "touchpoint_id",
                    "survey_id",
                    "channel_id",
                    "persona_id",
                    "language",
                ],
                name="response_daily_key",
            )
        ]


class FollowUpDaily(Rollup):
    """Closed loop by the response's day: follow-ups triggered and answered in time."""

    day = models.DateField()
    touchpoint_id = _dim()
    channel_id = _dim()
    persona_id = _dim()
    language = models.CharField(max_length=10, default="")
    triggered = _count()
    closed = _count()

    class Meta:
        db_table = "metrics_followup_daily"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "touchpoint_id", "channel_id", "persona_id", "language"],
                name="followup_daily_key",
            )
        ]


class AnswerDaily(Rollup):
    """Answer distribution per survey × question × value by the response's day."""

    day = models.DateField()
    survey_id = _dim()
    question_id = _dim()
    touchpoint_id = _dim()
    channel_id = _dim()
    persona_id = _dim()
    language = models.CharField(max_length=10, default="")
    value = models.CharField(max_length=200)
    answers = _count()

    class Meta:
        db_table = "metrics_answer_daily"
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "day",
                    "survey_id",
                    "question_id",
                    "touchpoint_id",
                    "channel_id",
                    "persona_id",
                    "language",
                    "value",
                ],
                name="answer_daily_key",
            )
        ]
        indexes = [models.Index(fields=["survey_id", "day"], name="answer_daily_survey_day")]


class TicketDims(Rollup):
    day = models.DateField()
    touchpoint_id = _dim()
    channel_id = _dim()
    persona_id = _dim()
    category_id = _dim()
    priority = models.CharField(max_length=10, default="")

    KEY = ["day", "touchpoint_id", "channel_id", "persona_id", "category_id", "priority"]

    class Meta:
        abstract = True


class TicketDaily(TicketDims):
    """Tickets by creation day: volume, FCR, SLA and first-response parts."""

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
        db_table = "metrics_ticket_daily"
        constraints = [models.UniqueConstraint(fields=TicketDims.KEY, name="ticket_daily_key")]


class ResolutionDaily(TicketDims):
    """Tickets by the local day of their last resolution: resolution-time parts and reopens."""

    resolved = _count()
    reopened = _count()
    res_n = _count()
    res_sum = _sum()
    res_sumsq = _sum()
    resb_n = _count()
    resb_sum = _sum()
    resb_sumsq = _sum()

    class Meta:
        db_table = "metrics_resolution_daily"
        constraints = [models.UniqueConstraint(fields=TicketDims.KEY, name="resolution_daily_key")]


class TimeHistogram(TicketDims):
    """Log-spaced histogram buckets of ticket durations (stats.bucket_of), for medians and p90."""

    FRT, FRT_BUSINESS, RESOLUTION, RESOLUTION_BUSINESS = 0, 1, 2, 3
    measure = models.SmallIntegerField()
    bucket = models.SmallIntegerField()
    tickets = _count()

    class Meta:
        db_table = "metrics_time_histogram"
        # One index only (measure first: every read filters one measure and a day range);
        # index upkeep dominates the cost of a full rebuild.
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "measure",
                    "day",
                    "touchpoint_id",
                    "channel_id",
                    "persona_id",
                    "category_id",
                    "priority",
                    "bucket",
                ],
                name="time_histogram_measure_key",
            )
        ]


class BacklogFlow(TicketDims):
    """Tickets entering (+) and leaving (-) the open backlog per day; the backlog at the end of a
    day is the running sum of every earlier day, so it is exact for any date."""

    CREATED, TRANSITION, UNTRACKED = 0, 1, 2
    source = models.SmallIntegerField()
    opened = _count()
    closed = _count()

    class Meta:
        db_table = "metrics_backlog_flow"
        constraints = [
            models.UniqueConstraint(fields=[*TicketDims.KEY, "source"], name="backlog_flow_key")
        ]


class InvitationDaily(Rollup):
    """Invitations by send day (suppressed ones were never sent) and how many were answered."""

    day = models.DateField()
    touchpoint_id = _dim()
    channel_id = _dim()
    persona_id = _dim()
    language = models.CharField(max_length=10, default="")
    sent = _count()
    responded = _count()

    class Meta:
        db_table = "metrics_invitation_daily"
        constraints = [
            models.UniqueConstraint(
                fields=["day", "touchpoint_id", "channel_id", "persona_id", "language"],
                name="invitation_daily_key",
            )
        ]


class CustomerFlow(Rollup):
    """Customers becoming active and churning per day; active at the start of a day is the running
    sum of every earlier day."""

    JOINED, CHURNED = 0, 1
    day = models.DateField()
    persona_id = _dim()
    kind = models.SmallIntegerField()
    customers = _count()

    class Meta:
        db_table = "metrics_customer_flow"
        constraints = [
            models.UniqueConstraint(fields=["day", "persona_id", "kind"], name="customer_flow_key")
        ]


class EventDaily(Rollup):
    """Journey events by day and type (engagement counts, stage entries)."""

    day = models.DateField()
    journey_id = _dim()
    stage_id = _dim()
    touchpoint_id = _dim()
    channel_id = _dim()
    persona_id = _dim()
    type = models.CharField(max_length=10)
    events = _count()

    class Meta:
        db_table = "metrics_event_daily"
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "day",
                    "journey_id",
                    "stage_id",
                    "touchpoint_id",
                    "channel_id",
                    "persona_id",
                    "type",
                ],
                name="event_daily_key",
            )
        ]


class StageDay(Rollup):
    """Per customer × stage × local day, the first and last event time. Stage conversion is not
    additive over days (it depends on each customer's first stage-k event in the period), but from
    this compact table it is exact for any period: an event at stage k+1 inside [first, first +
    window] exists iff some day row has last_at >= first and first_at <= first + window."""

    customer_id = models.BigIntegerField()
    journey_id = _dim()
    stage_id = _dim()
    persona_id = _dim()
    day = models.DateField()
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()

    class Meta:
        db_table = "metrics_stage_day"
        constraints = [
            models.UniqueConstraint(fields=["customer_id", "stage_id", "day"], name="stage_day_key")
        ]
        indexes = [models.Index(fields=["day", "stage_id"], name="stage_day_day_stage")]


class SourceDayCount(Rollup):
    """How many source rows had each local day in each time field at the last recompute of that
    day (e.g. "response.submitted_at"). An incremental run that sees rows updated in place or
    deleted compares these with the current per-day counts: a day a row left without another row
    entering it shows a smaller count, so it is redone even though no changed row points at it."""

    field = models.CharField(max_length=40)
    rows = _count()

    class Meta:
        db_table = "metrics_source_day_count"
        constraints = [
            models.UniqueConstraint(fields=["field", "day"], name="source_day_count_key")
        ]


class FillState(models.Model):
    """Per source (and one "all" row): the updated_at watermark, the highest id and the row count
    seen at the last recompute, and when it finished."""

    source = models.CharField(max_length=12, unique=True)
    watermark = models.DateTimeField(null=True, blank=True)
    seen_max = models.DateTimeField(null=True, blank=True)
    max_id = models.BigIntegerField(default=0)
    row_count = models.BigIntegerField(default=0)
    last_computed = models.DateTimeField(null=True, blank=True)
    last_full = models.DateTimeField(null=True, blank=True)
    last_duration = models.FloatField(null=True, blank=True)
    last_days = models.IntegerField(default=0)

    class Meta:
        db_table = "metrics_fill_state"

    def __str__(self) -> str:
        return f"{self.source} @ {self.watermark}"


class ScoreQuestion(models.Model):
    """The NPS, CSAT and CES questions whose answers the rollups count from the response rollup
    (metrics.rollups.surveys.score_questions), as of the last recompute. Readers take this set,
    not the current questions: a second NPS question added to a survey changes which questions
    are counted where, and until the recompute has redone their days the rollups still count
    them the old way."""

    question_id = models.BigIntegerField(primary_key=True)
    type = models.CharField(max_length=20)
    survey_id = models.BigIntegerField()

    class Meta:
        db_table = "metrics_score_question"

    def __str__(self) -> str:
        return f"{self.type} question {self.question_id} of survey {self.survey_id}"
