"""Answering a survey in bulk: a list of responses from an integration, validated one by one as
response_submit does, then written with one INSERT for the responses and one for their answers;
all of them or none."""

from __future__ import annotations

from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from journeys.models import Channel, Customer
from surveys.models import Answer, Response, Survey
from surveys.services.answers import AnswersInvalid
from surveys.services.responses import (
    AlreadyAnswered,
    InvitationNotFound,
    Lookups,
    Prepared,
    after_save,
    answers_of,
    follow_ups_schedule,
    prepare,
)

MAX_BATCH = 500
BATCH_EMPTY = _("Send at least one response.")
BATCH_TOO_LARGE = _("At most %(limit)s responses per request.")
BATCH_INVALID = _("Response %(index)s is invalid; no response was stored.")
INVITATION_UNKNOWN = _("Unknown or expired invitation.")


class ResponseBatchError(ValidationError):
    """A batch failed: `index` is the position of the first bad item, `errors` its field errors;
    `conflict` when that item's invitation was answered already (409, not 400)."""

    def __init__(self, index: int, errors: dict, *, conflict: bool = False) -> None:
        self.index = index
        self.errors = errors
        self.conflict = conflict
        super().__init__(BATCH_INVALID % {"index": index})


@transaction.atomic
def responses_submit_batch(
    *, survey: Survey, items: list[dict], user=None, client_ip: str | None = None
) -> list[Response]:
    """Record a list of responses to one survey: all of them or none. Each item takes the keys of
    response_submit (answers, customer_ref, channel, invitation_token, submitted_at, language).
    The first invalid item raises ResponseBatchError naming its index; nothing is written then."""
    if not items:
        raise ResponseBatchError(0, {"non_field_errors": [str(BATCH_EMPTY)]})
    if len(items) > MAX_BATCH:
        raise ResponseBatchError(
            MAX_BATCH, {"non_field_errors": [str(BATCH_TOO_LARGE % {"limit": MAX_BATCH})]}
        )
    lookups = Lookups(survey=survey)
    lookups.channels = {channel.slug: channel for channel in Channel.objects.all()}
    refs = {item["customer_ref"] for item in items if isinstance(item.get("customer_ref"), str)}
    lookups.customers = {
        customer.external_id: customer for customer in Customer.objects.filter(external_id__in=refs)
    }
    prepared: list[Prepared] = []
    for index, item in enumerate(items):
        try:
            prepared.append(prepare(lookups=lookups, user=user, client_ip=client_ip, **item))
        except AnswersInvalid as invalid:
            raise ResponseBatchError(
                index, {"answers": {key: [message] for key, message in invalid.errors.items()}}
            ) from None
        except InvitationNotFound:
            raise ResponseBatchError(index, {"invitation": [str(INVITATION_UNKNOWN)]}) from None
        except AlreadyAnswered as answered:
            raise ResponseBatchError(
                index, {"invitation": [str(answered)]}, conflict=True
            ) from None
        except ValidationError as error:
            raise ResponseBatchError(index, _error_dict(error)) from None
    responses = Response.objects.bulk_create([item.response for item in prepared])
    per_item = [answers_of(item) for item in prepared]
    Answer.objects.bulk_create([answer for answers in per_item for answer in answers])
    follow_ups = [
        item.response.pk
        for item, answers in zip(prepared, per_item, strict=True)
        if after_save(item, answers, body=False)
    ]
    if follow_ups:
        transaction.on_commit(partial(follow_ups_schedule, follow_ups))
    return responses


def _error_dict(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in error.message_dict.items()}
    return {"non_field_errors": [str(message) for message in error.messages]}
