"""Writes of the surveys app (STYLE.md services): one module per concern, re-exported here."""

from __future__ import annotations

from surveys.services.answers import AnswersInvalid, clean_answers
from surveys.services.followups import (
    follow_up_for_response,
    follow_up_for_response_id,
    follow_up_reason,
)
from surveys.services.invitation_lists import (
    BulkResult,
    invitation_csv_parse,
    invitations_send_to_list,
)
from surveys.services.invitations import (
    contact_policy,
    invitation_create,
    invitation_for_resolved_ticket,
    invitation_mark_opened,
    invitation_revoke,
    invitation_send,
    invitation_url,
    invitations_cancel_for_ticket,
    invitations_send_due,
    suppression_reason,
)
from surveys.services.response_batches import ResponseBatchError, responses_submit_batch
from surveys.services.responses import (
    AlreadyAnswered,
    InvitationNotFound,
    invitation_resolve,
    response_submit,
    survey_open_check,
)
from surveys.services.surveys import (
    available_languages,
    clean_questions,
    question_as_dict,
    survey_create,
    survey_set_active,
    survey_update,
)
from surveys.services.throttle import RateLimited, client_ip, throttle_hit

__all__ = [
    "AlreadyAnswered",
    "AnswersInvalid",
    "BulkResult",
    "InvitationNotFound",
    "RateLimited",
    "ResponseBatchError",
    "available_languages",
    "clean_answers",
    "clean_questions",
    "client_ip",
    "contact_policy",
    "follow_up_for_response",
    "follow_up_for_response_id",
    "follow_up_reason",
    "invitation_create",
    "invitation_csv_parse",
    "invitation_for_resolved_ticket",
    "invitation_mark_opened",
    "invitation_resolve",
    "invitation_revoke",
    "invitation_send",
    "invitation_url",
    "invitations_cancel_for_ticket",
    "invitations_send_due",
    "invitations_send_to_list",
    "question_as_dict",
    "response_submit",
    "responses_submit_batch",
    "suppression_reason",
    "survey_create",
    "survey_open_check",
    "survey_set_active",
    "survey_update",
    "throttle_hit",
]
