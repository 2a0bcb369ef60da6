"""What the demo surveys say: their plans (touchpoint, kind, weight, happiness level, languages),
question texts in English, Indonesian, Malay and Italian, and the free-text comments customers
leave. surveys.demo turns these into surveys and a year of answers; keeping the wording here
leaves that module about generating data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from surveys.models import Survey
from surveys.services import survey_create

NPS_TEXTS = {
    "en": "How likely are you to recommend us to a friend or colleague?",
    "id": "Seberapa besar kemungkinan Anda merekomendasikan kami kepada teman atau kolega?",
    "ms": "Sejauh manakah kemungkinan anda mengesyorkan kami kepada rakan atau rakan sekerja?",
    "it": "Quanto è probabile che ci consiglieresti a un amico o a un collega?",
}
REASON_TEXTS = {
    "en": "What is the main reason for your score?",
    "id": "Apa alasan utama Anda memberikan skor tersebut?",
    "ms": "Apakah sebab utama anda memberikan skor tersebut?",
    "it": "Qual è il motivo principale del tuo punteggio?",
}
DRIVER_TEXTS = {
    "en": "What matters most to you when you shop with us?",
    "id": "Apa yang paling penting bagi Anda saat berbelanja di tempat kami?",
    "ms": "Apakah yang paling penting bagi anda apabila membeli-belah dengan kami?",
    "it": "Che cosa conta di più per te quando acquisti da noi?",
}
DRIVERS = [
    ("price", {"en": "Price", "id": "Harga", "ms": "Harga", "it": "Prezzo"}),
    (
        "delivery",
        {
            "en": "Fast delivery",
            "id": "Pengiriman cepat",
            "ms": "Penghantaran pantas",
            "it": "Consegna rapida",
        },
    ),
    (
        "service",
        {
            "en": "Friendly service",
            "id": "Layanan yang ramah",
            "ms": "Perkhidmatan mesra",
            "it": "Servizio cordiale",
        },
    ),
    (
        "range",
        {
            "en": "Product range",
            "id": "Pilihan produk",
            "ms": "Pilihan produk",
            "it": "Assortimento",
        },
    ),
]
MULTILINGUAL = {
    "title": {
        "en": "Your opinion of us",
        "id": "Pendapat Anda tentang kami",
        "ms": "Pendapat anda tentang kami",
        "it": "La tua opinione su di noi",
    },
    "intro": {
        "en": "Two minutes, three questions. Your answers help us serve you better.",
        "id": (
            "Hanya dua menit, tiga pertanyaan. "
            "Jawaban Anda membantu kami melayani Anda dengan lebih baik."
        ),
        "ms": (
            "Hanya dua minit, tiga soalan. "
            "Jawapan anda membantu kami memberikan perkhidmatan yang lebih baik."
        ),
        "it": "Due minuti, tre domande. Le tue risposte ci aiutano a servirti meglio.",
    },
    "thank_you": {
        "en": "Thank you for your feedback! We read every comment.",
        "id": "Terima kasih atas masukan Anda! Kami membaca setiap komentar.",
        "ms": "Terima kasih atas maklum balas anda! Kami membaca setiap komen.",
        "it": "Grazie per il tuo feedback! Leggiamo ogni commento.",
    },
    "low": {
        "en": "Not at all likely",
        "id": "Sangat tidak mungkin",
        "ms": "Langsung tidak mungkin",
        "it": "Per niente probabile",
    },
    "high": {
        "en": "Extremely likely",
        "id": "Sangat mungkin",
        "ms": "Amat mungkin",
        "it": "Estremamente probabile",
    },
}

COMMENTS = {
    "en": {
        "good": [
            "Quick and easy, thank you!",
            "Staff were really helpful and friendly.",
            "Everything arrived on time and well packed.",
            "Great prices and a smooth experience.",
            "The app makes it so simple.",
            "Problem solved on the first call, well done.",
        ],
        "bad": [
            "The payment page kept failing and I had to try three times.",
            "Delivery was two days late and nobody told me.",
            "I waited far too long on hold.",
            "The refund is still not on my card.",
            "Confusing checkout, I almost gave up.",
            "I had to explain my problem again to every agent.",
        ],
    },
    "id": {
        "good": [
            "Cepat dan mudah, terima kasih!",
            "Stafnya sangat membantu dan ramah.",
            "Pesanan tiba tepat waktu dan dikemas dengan rapi.",
        ],
        "bad": [
            "Pembayaran gagal berkali-kali.",
            "Pengiriman terlambat dan tidak ada kabar.",
            "Terlalu lama menunggu di telepon.",
        ],
    },
    "ms": {
        "good": [
            "Pantas dan mudah, terima kasih!",
            "Kakitangan sangat membantu dan mesra.",
            "Barang sampai tepat pada masanya.",
        ],
        "bad": [
            "Pembayaran gagal beberapa kali.",
            "Penghantaran lewat dan tiada makluman.",
            "Terlalu lama menunggu dalam talian.",
        ],
    },
    "it": {
        "good": [
            "Veloce e semplice, grazie!",
            "Personale gentile e disponibile.",
            "Tutto arrivato in tempo e ben imballato.",
        ],
        "bad": [
            "Il pagamento non andava a buon fine.",
            "Consegna in ritardo e nessun avviso.",
            "Attesa troppo lunga al telefono.",
        ],
    },
}


@dataclass(frozen=True)
class Plan:
    slug: str
    name: str
    touchpoint: str
    kind: str  # "nps", "csat", "ces", "csat_ces"
    weight: float  # share of the year's responses
    level: float  # 0..1: how happy customers are here
    invited: float  # share of responses that came from an invitation
    languages: tuple[str, ...] = ("en",)
    dips: bool = False


PLANS = [
    Plan(
        "relationship-nps",
        "Relationship NPS (quarterly)",
        "loyalty-programme",
        "nps",
        0.16,
        0.78,
        1.0,
        ("en", "id", "ms", "it"),
    ),
    Plan("store-nps", "Store visit NPS", "store-visit", "nps", 0.10, 0.82, 0.2),
    Plan("app-nps", "Mobile app NPS", "mobile-app", "nps", 0.08, 0.72, 0.1),
    Plan("checkout-csat", "Checkout CSAT", "checkout", "csat_ces", 0.13, 0.74, 0.0, dips=True),
    Plan("payment-ces", "Payment effort (CES)", "payment", "ces", 0.05, 0.66, 0.0, dips=True),
    Plan("delivery-csat", "Home delivery CSAT", "delivery", "csat", 0.09, 0.55, 0.6),
    Plan("pos-csat", "Point of sale CSAT", "point-of-sale", "csat", 0.06, 0.80, 0.0),
    Plan("returns-ces", "Returns effort (CES)", "returns", "ces", 0.05, 0.45, 0.5),
    Plan("invoice-csat", "Invoice e-mail CSAT", "invoice", "csat", 0.03, 0.64, 1.0),
    Plan("click-collect-csat", "Click and collect CSAT", "click-collect", "csat", 0.04, 0.72, 0.5),
    Plan("website-ces", "Website effort (CES)", "website", "ces", 0.05, 0.68, 0.0),
]
POST_TICKET = [
    (
        "support-csat",
        "Help desk CSAT",
        "help-desk",
        ("web", "email", "forum", "social", "store", "app", "device", "marketing", "sms"),
    ),
    ("chat-csat", "Support chat CSAT", "support-chat", ("chat",)),
    ("phone-csat", "Phone support CSAT", "phone-support", ("phone",)),
]


def plan_questions(plan: Plan) -> list[dict]:
    if plan.languages != ("en",):
        return [
            {
                "key": "nps",
                "type": "nps",
                "text": NPS_TEXTS,
                "required": True,
                "low_label": MULTILINGUAL["low"],
                "high_label": MULTILINGUAL["high"],
            },
            {
                "key": "driver",
                "type": "choice",
                "text": DRIVER_TEXTS,
                "choices": [{"value": value, "label": label} for value, label in DRIVERS],
            },
            {"key": "comment", "type": "text", "text": REASON_TEXTS},
        ]
    questions = []
    if plan.kind == "nps":
        questions.append({"key": "nps", "type": "nps", "text": NPS_TEXTS["en"], "required": True})
    if plan.kind in ("csat", "csat_ces"):
        questions.append(
            {
                "key": "csat",
                "type": "csat",
                "scale": 5,
                "required": True,
                "text": "Overall, how satisfied were you with this experience?",
            }
        )
    if plan.kind in ("ces", "csat_ces"):
        questions.append(
            {
                "key": "ces",
                "type": "ces",
                "required": plan.kind == "ces",
                "text": "How easy was it to get what you needed?",
                "low_label": "Very difficult",
                "high_label": "Very easy",
            }
        )
    questions.append({"key": "comment", "type": "text", "text": REASON_TEXTS["en"]})
    return questions


def create_surveys(ctx) -> dict[str, Survey]:
    surveys: dict[str, Survey] = {}
    creator = ctx.users.get("surveyadmin")
    start = datetime.combine(ctx.start, datetime.min.time()).replace(tzinfo=ctx.tz)
    for plan in PLANS:
        extra = {}
        if plan.languages != ("en",):
            extra = {key: MULTILINGUAL[key] for key in ("title", "intro", "thank_you")}
        survey = survey_create(
            slug=plan.slug,
            name=plan.name,
            touchpoint=ctx.touchpoints[plan.touchpoint],
            questions=plan_questions(plan),
            languages=list(plan.languages),
            default_language="en",
            created_by=creator,
            **extra,
        )
        surveys[plan.slug] = survey
    for slug, name, touchpoint, _channels in POST_TICKET:
        surveys[slug] = survey_create(
            slug=slug,
            name=name,
            touchpoint=ctx.touchpoints[touchpoint],
            questions=[
                {
                    "key": "csat",
                    "type": "csat",
                    "scale": 5,
                    "required": True,
                    "text": "How satisfied are you with how we handled your request?",
                },
                {"key": "comment", "type": "text", "text": "What could we have done better?"},
            ],
            created_by=creator,
            is_post_ticket=True,
            invitation_only=True,
            post_ticket_delay_minutes=60,
        )
    Survey.objects.filter(pk__in=[s.pk for s in surveys.values()]).update(created_at=start)
    return surveys
