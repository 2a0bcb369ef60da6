"""Demo organisation, journey maps: the three maps with their opportunities and a future-state
copy (seed_maps). The events that travel through them are journeys.demo_events."""

from __future__ import annotations

from journeys.demo_content import (
    NEW_CUSTOMER_FUTURE,
    new_customer_map,
    repeat_in_store_map,
)
from journeys.services.maps import journey_duplicate, journey_import, opportunity_save


def seed_maps(ctx) -> None:
    """Three journeys: "New customer" (current state), its future-state version, and a repeat
    purchase in store for the loyal senior persona (with its review overdue)."""
    editor = ctx.users.get("surveyadmin")
    by_stage: dict[str, list[str]] = {}
    for slug, stage in ctx.touchpoint_stage.items():
        by_stage.setdefault(stage, []).append(slug)
    new_customer = journey_import(
        actor=editor,
        data=new_customer_map(ctx, by_stage),
    )
    new_customer.owner = ctx.users.get("manager")
    new_customer.save(update_fields=["owner", "updated_at"])
    new_customer.opportunity_set.update(owner=ctx.users.get("manager"))

    future = journey_duplicate(
        journey=new_customer,
        actor=editor,
        slug=NEW_CUSTOMER_FUTURE,
        name="New customer (future state)",
    )
    future.stages.filter(slug="purchase").update(
        emotion_score=1, pain_points="", thoughts='"Paid in one tap — done."'
    )
    future.stages.filter(slug="after-sale").update(
        emotion_score=0, thoughts='"The agent already knew what I wrote in the chat."'
    )

    repeat = journey_import(
        actor=editor,
        data=repeat_in_store_map(ctx),
    )
    opportunity_save(
        journey=repeat,
        actor=editor,
        title="Call-back instead of the phone queue",
        how_might_we="How might we answer seniors without making them wait on hold?",
        stages=list(repeat.stages.filter(slug="after-sale")),
        touchpoints=[ctx.touchpoints["phone-support"]],
        owner=ctx.users.get("manager"),
        kpi_key="frt",
        target_change=-2,
    )
    ctx.extra["journeys"] = {journey.slug: journey for journey in (new_customer, future, repeat)}
