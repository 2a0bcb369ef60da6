"""What the demo journey maps say: the stage texts (goals, thoughts, pain points), the
opportunities and the map documents in journey_import's format. journeys.demo_maps imports these
maps and journeys.demo_events generates the events; keeping the wording here leaves those
modules about the data.
"""

from __future__ import annotations

from datetime import timedelta

NEW_CUSTOMER = "new-customer"
NEW_CUSTOMER_FUTURE = "new-customer-future"
REPEAT_IN_STORE = "repeat-in-store"

STAGES = {
    "prospect": {
        "name": "Prospect",
        "goals": "Find a shop I can trust for the whole family.\nCompare prices quickly.",
        "actions": "Sees ads and posts, reads reviews, asks friends.",
        "thoughts": '"Lots of choice — but are they reliable?"',
        "emotion_score": 1,
        "pain_points": "Too many ads; reviews contradict each other.",
        "opportunities": "Show real customer testimonials next to the ads.",
        "owner_department": "marketing",
    },
    "purchase": {
        "name": "Engagement and purchase",
        "goals": "Buy the right product without surprises.",
        "actions": "Browses, compares, adds to basket, pays — on the web, in the app or in store.",
        "thoughts": '"Why does checkout ask for all this again?"',
        "emotion_score": -1,
        "pain_points": "Slow checkout, payment errors, hidden delivery costs.",
        "opportunities": "One-tap payment; delivery cost shown on the product page.",
        "owner_department": "ecommerce",
    },
    "after-sale": {
        "name": "After-sale",
        "goals": "Get the order on time; fix problems with one contact.",
        "actions": "Tracks delivery, reads the invoice, contacts support when something is wrong.",
        "thoughts": '"I have to explain everything again to the phone agent."',
        "emotion_score": -2,
        "pain_points": "Long phone queues; repeating the story in every channel.",
        "opportunities": "Hand the chat history to the phone agent.",
        "owner_department": "service",
    },
    "loyalty": {
        "name": "Loyalty",
        "goals": "Be rewarded for coming back.",
        "actions": "Joins the loyalty programme, uses the app, recommends us.",
        "thoughts": '"They remember me — nice."',
        "emotion_score": 1,
        "pain_points": "Points expire without warning.",
        "opportunities": "Remind before points expire.",
        "owner_department": "marketing",
    },
}


def stage_document(slug: str, touchpoints: list[str]) -> dict:
    return {"slug": slug, **STAGES[slug], "touchpoints": touchpoints}


def new_customer_map(ctx, by_stage: dict[str, list[str]]) -> dict:
    """The current-state map of a first-time buyer; by_stage lists the touchpoints of each stage."""
    return {
        "slug": NEW_CUSTOMER,
        "name": "New customer",
        "description": "From first hearing of us to coming back: the path of a first-time buyer.",
        "persona": "busy-parent",
        "conversion_window_days": 30,
        "review_due": (ctx.end + timedelta(days=60)).isoformat(),
        "stages": [
            stage_document(slug, by_stage.get(slug, []))
            for slug in ("prospect", "purchase", "after-sale", "loyalty")
        ],
        "opportunities": [
            {
                "title": "One-tap checkout",
                "how_might_we": "How might we let a returning customer pay without retyping?",
                "stages": ["purchase"],
                "touchpoints": ["checkout", "payment"],
                "status": "in_progress",
                "kpi_key": "csat",
                "target_change": 10,
            },
            {
                "title": "Warm hand-off from chat to phone",
                "how_might_we": "How might we spare customers repeating their story?",
                "stages": ["after-sale"],
                "touchpoints": ["support-chat", "phone-support"],
                "status": "open",
                "kpi_key": "fcr",
                "target_change": 8,
            },
            {
                "title": "Delivery cost on the product page",
                "how_might_we": "How might we avoid surprises at checkout?",
                "stages": ["purchase"],
                "touchpoints": ["product-page"],
                "status": "solved",
                "kpi_key": "stage_conversion",
                "target_change": 5,
            },
        ],
    }


def repeat_in_store_map(ctx) -> dict:
    """A loyal senior buying again in store; its review date is already past."""
    return {
        "slug": REPEAT_IN_STORE,
        "name": "Repeat purchase in store",
        "description": "A long-standing customer buys again in store and is served by phone.",
        "persona": "loyal-senior",
        "conversion_window_days": 45,
        "review_due": (ctx.end - timedelta(days=20)).isoformat(),
        "stages": [
            stage_document(
                "purchase", ["catalogue", "store-visit", "sales-staff", "point-of-sale"]
            ),
            stage_document("after-sale", ["invoice", "delivery", "phone-support", "returns"]),
            stage_document("loyalty", ["loyalty-programme", "warranty"]),
        ],
    }
