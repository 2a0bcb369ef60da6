"""Survey responses, their answers and invitations, by COPY in one transaction (the bulk import).

Each touchpoint has a quality that shifts its score distribution; "checkout" dips for four weeks
(as in the demo); volume has weekly seasonality and slow growth. Scores on Response are the same
numbers as its Answer rows, as the surveys services would store them.
"""

from __future__ import annotations

import time
from array import array
from bisect import bisect
from itertools import accumulate

from metrics.bench import copy as c
from metrics.bench.calendar import DAY
from metrics.bench.context import GenContext
from surveys.models import Answer, Invitation, Response

DAYTIME = [1, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 11, 10, 11, 12, 11, 10, 9, 8, 7, 6, 4, 3, 2]
COMMENTS = [
    "Quick and friendly, thank you.",
    "Took far too long to get an answer.",
    "The checkout kept failing on my card.",
    "Great staff in the store.",
    "Delivery was late again.",
    "Easy to find what I needed.",
    "The app crashed twice.",
    "Refund still not received.",
]
INVITED_SHARE = 0.25  # responses that came through an invitation
UNANSWERED_PER_ANSWERED = 1.4  # invitations sent that got no response
RESPONSE_COLUMNS = [
    "id",
    "survey_id",
    "customer_id",
    "channel_id",
    "touchpoint_id",
    "invitation_id",
    "language",
    "submitted_at",
    "nps_score",
    "csat_score",
    "csat_scale",
    "ces_score",
    "has_comment",
    "created_at",
    "updated_at",
]
INVITATION_COLUMNS = [
    "id",
    "survey_id",
    "customer_id",
    "token",
    "channel_id",
    "language",
    "status",
    "send_after",
    "sent_at",
    "responded_at",
    "created_at",
    "updated_at",
]
ANSWER_COLUMNS = ["id", "response_id", "question_id", "number", "text"]


def _nps_distribution(quality: float) -> list[float]:
    """Cumulative weights over 0..10 for a touchpoint of `quality` (-1 bad .. 1 good)."""
    promoters = min(0.85, max(0.05, 0.45 + 0.25 * quality))
    detractors = min(0.8, max(0.03, 0.2 - 0.15 * quality))
    passives = max(0.0, 1 - promoters - detractors)
    weights = [detractors * w for w in (0.03, 0.03, 0.04, 0.06, 0.09, 0.3, 0.45)]
    weights += [passives * 0.45, passives * 0.55, promoters * 0.55, promoters * 0.45]
    return list(accumulate(weights))


def day_weights(ctx: GenContext, *, weekend: float) -> list[float]:
    weights = []
    for index in range(ctx.params.days):
        weekday = (ctx.start_wall_day + index + 3) % 7
        growth = 1 + 0.3 * index / ctx.params.days
        weights.append(growth * (weekend if weekday >= 5 else 1.0))
    return weights


def seed_responses(ctx: GenContext) -> dict:
    """COPY responses, invitations and answers in one transaction; returns timings and counts."""
    rng, params = ctx.rng, ctx.params
    touchpoints = list(ctx.touchpoints)
    rng.shuffle(touchpoints)
    tp_weights = list(accumulate(1 / (i + 1) ** 0.6 for i in range(len(touchpoints))))
    qualities = [rng.uniform(-0.6, 0.8) for _ in touchpoints]
    normal = [_nps_distribution(q) for q in qualities]
    dipped = [_nps_distribution(q - 0.9) for q in qualities]
    dip_from, dip_to = params.days - 49, params.days - 21
    survey_by_slug = {s["slug"]: s for s in ctx.surveys}
    surveys = [survey_by_slug[f"{t['slug']}-survey"] for t in touchpoints]
    # Invitations go out by e-mail or SMS; other answers come through the touchpoint's channel.
    invitation_channels = [ctx.channel_ids.get("email"), ctx.channel_ids.get("sms")]
    invitation_channels = [c_id for c_id in invitation_channels if c_id] or [None]
    hours = list(accumulate(DAYTIME))
    counts = ctx.day_counts(params.responses, day_weights(ctx, weekend=0.65))

    # Compact per-response facts for the answers pass (one COPY at a time per connection).
    tp_of = array("H")
    nps_of, csat_of, ces_of, comment_of = array("b"), array("b"), array("b"), array("b")
    invitation_lines: list[str] = []
    bar = ctx.progress(params.responses, "responses")

    def response_lines():
        rid = 0
        for day_index, count in enumerate(counts):
            day_wall = (ctx.start_wall_day + day_index) * DAY
            in_dip = dip_from <= day_index < dip_to
            for _ in range(count):
                rid += 1
                t = bisect(tp_weights, rng.random() * tp_weights[-1])
                touchpoint = touchpoints[t]
                dist = dipped[t] if in_dip and touchpoint["slug"] == "checkout" else normal[t]
                score = bisect(dist, rng.random() * dist[-1])
                roll = rng.random()
                nps = score if roll < 0.92 else -1
                csat = min(5, max(1, (score + 1) // 2 + (roll > 0.8) - (roll < 0.25)))
                csat = csat if rng.random() < 0.8 or nps < 0 else -1
                ces = min(7, max(1, score * 6 // 10 + 1 + (roll > 0.6)))
                ces = ces if rng.random() < 0.45 else -1
                comment = (
                    rng.randrange(len(COMMENTS))
                    if rng.random() < (0.35 if 0 <= score <= 6 else 0.15)
                    else -1
                )
                tp_of.append(t)
                nps_of.append(nps)
                csat_of.append(csat)
                ces_of.append(ces)
                comment_of.append(comment)
                wall = (
                    day_wall + bisect(hours, rng.random() * hours[-1]) * 3600 + rng.randrange(3600)
                )
                submitted = ctx.clock.utc(wall)
                customer = rng.randrange(params.customers) + 1
                channel = touchpoint["channel_id"]
                invitation = c.NULL
                if rng.random() < INVITED_SHARE:
                    channel = invitation_channels[0 if roll < 0.8 else -1] or channel
                    invitation = str(len(invitation_lines) + 1)
                    sent = submitted - rng.randrange(600, 3 * DAY)
                    invitation_lines.append(
                        _invitation(
                            rng, invitation, surveys[t]["id"], customer, channel, sent, submitted
                        )
                    )
                stamp = c.ts(submitted)
                bar.update(1)
                yield "\t".join(
                    (
                        str(rid),
                        str(surveys[t]["id"]),
                        str(customer),
                        str(channel),
                        str(touchpoint["id"]),
                        invitation,
                        "en",
                        stamp,
                        c.NULL if nps < 0 else str(nps),
                        c.NULL if csat < 0 else str(csat),
                        c.NULL if csat < 0 else "5",
                        c.NULL if ces < 0 else str(ces),
                        "t" if comment >= 0 else "f",
                        stamp,
                        stamp,
                    )
                )

    def unanswered_lines():
        first = len(invitation_lines) + 1
        extra = int(len(invitation_lines) * UNANSWERED_PER_ANSWERED)
        start_wall = ctx.start_wall_day * DAY
        for number in range(first, first + extra):
            t = bisect(tp_weights, rng.random() * tp_weights[-1])
            sent = ctx.clock.utc(start_wall + rng.randrange(params.days * DAY))
            yield _invitation(
                rng,
                str(number),
                surveys[t]["id"],
                rng.randrange(params.customers) + 1,
                touchpoints[t]["channel_id"],
                sent,
                None,
            )

    def answer_lines():
        aid = 0
        for index in range(len(tp_of)):
            questions = surveys[tp_of[index]]["questions"]
            rid = str(index + 1)
            for key, value in (
                ("nps", nps_of[index]),
                ("csat", csat_of[index]),
                ("ces", ces_of[index]),
            ):
                if value >= 0:
                    aid += 1
                    yield f"{aid}\t{rid}\t{questions[key]}\t{value}\t"
            if comment_of[index] >= 0:
                aid += 1
                comment = COMMENTS[comment_of[index]]
                yield f"{aid}\t{rid}\t{questions['comment']}\t{c.NULL}\t{comment}"

    # Made up first, into files; the timed bulk import is the load of those files.
    response_spool = c.Spool(RESPONSE_COLUMNS, extra=c.missing_columns(Response, RESPONSE_COLUMNS))
    response_spool.write(response_lines())
    bar.close()
    invitation_extra = c.missing_columns(Invitation, INVITATION_COLUMNS)
    invitation_spool = c.Spool(INVITATION_COLUMNS, extra=invitation_extra)
    invitation_spool.write(invitation_lines)
    answer_spool = c.Spool(ANSWER_COLUMNS, extra=c.missing_columns(Answer, ANSWER_COLUMNS))
    answer_spool.write(answer_lines())
    started = time.perf_counter()
    with c.bulk_load(["surveys_response", "surveys_invitation", "surveys_answer"]):
        # Invitations follow the responses that point at them: keys are checked at the end.
        responses = c.copy_spool("surveys_response", response_spool)
        invitations = c.copy_spool("surveys_invitation", invitation_spool)
        answers = c.copy_spool("surveys_answer", answer_spool)
    responses_seconds = time.perf_counter() - started
    with c.bulk_load(["surveys_invitation"]):
        unanswered = c.copy_lines(
            "surveys_invitation", INVITATION_COLUMNS, unanswered_lines(), extra=invitation_extra
        )
    for table in ("surveys_response", "surveys_invitation", "surveys_answer"):
        c.reset_sequence(table)
    return {
        "responses": responses,
        "answers": answers,
        "invitations": invitations + unanswered,
        "bulk_import_seconds": responses_seconds,
    }


def _invitation(rng, number, survey, customer, channel, sent, responded) -> str:
    token = f"bench{rng.getrandbits(160):040x}"
    sent_text = c.ts(sent)
    return "\t".join(
        (
            number,
            str(survey),
            str(customer),
            token,
            str(channel),
            "en",
            "sent",
            sent_text,
            sent_text,
            c.ts(responded),
            sent_text,
            sent_text if responded is None else c.ts(responded),
        )
    )
