"""Four weeks of support chats before today, for the insights page (its browser tests and
the README's screenshot): conversations every day, answers citing the shop's policy
documents with their scores, ratings, and each answer's model, latency and tokens.

The API stamps every message with the time it arrives, so the history goes in the way an
export comes back: through the importer, one NDJSON line per chat, with its own times.
Always the same chats (a fixed random seed), dated back from the day it is seeded."""

import json
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from ragchat.chats.imports import import_lines
from ragchat.extensions import db
from tests.support.database import build_app

DAYS = 28
SEED = 16
USERS = [
    "customer-2071",
    "customer-2188",
    "customer-2204",
    "customer-2319",
    "lena.k",
    "tomas.r",
    "ines.moreau",
    "kofi.a",
    "mei.chen",
    "sam.o",
    "anika.b",
    "dev-tester",
]
HELP = "https://help.northwind.example/"


@dataclass(frozen=True)
class Topic:
    titles: tuple
    question: str
    answer: str
    sources: tuple  # (label, url or None, usual score, or None: passages without scores)
    down: float  # how often a rating is down
    weight: int  # how often it comes up


TOPICS = [
    Topic(
        ("When will my refund arrive?", "Refund not on my card yet", "Refund timing"),
        "I returned my order last week. When will I see the money back?",
        "Approved refunds reach the original payment method within five working days.",
        (("policies/refunds.md#processing-times", None, 0.86),),
        0.1,
        6,
    ),
    Topic(
        ("Loyalty points missing", "Points for my last order", "Why no points yet?"),
        "My loyalty account does not show the points for my last order.",
        "Points are credited once the order's return window has closed, 30 days after delivery.",
        (("loyalty/earning-points.md#when-points-appear", None, 0.74),),
        0.7,
        4,
    ),
    Topic(
        ("Shipping to Norway", "Customs fees for Switzerland", "Shipping to the UK"),
        "Do you ship outside the EU, and who pays the customs fees?",
        "We ship to most European countries; customs fees are paid on delivery.",
        (
            ("kb/shipping/international.pdf", None, 0.41),
            ("kb/shipping/carriers.pdf", None, 0.38),
        ),
        0.75,
        4,
    ),
    Topic(
        ("Returning a sale jacket", "Are sale items returnable?", "Return window question"),
        "Can I return something I bought in the sale?",
        "Yes: sale items have the same 30-day return window, unless marked final sale.",
        (
            ("policies/returns.md#sale-items", None, 0.89),
            ("policies/returns.md#return-window", None, 0.8),
        ),
        0.08,
        5,
    ),
    Topic(
        ("Change my address", "Wrong address on my order", "Redirect a parcel"),
        "I entered an old address. Can the parcel still go to my new one?",
        "Until the order is packed you can change the address on the order page; after "
        "that the carrier can redirect it for a fee.",
        (
            ("kb/shipping/address-changes.pdf", None, 0.84),
            ("kb/shipping/carriers.pdf", None, 0.71),
        ),
        0.12,
        3,
    ),
    Topic(
        ("Gift card balance", "Gift card after a return", "Using two gift cards"),
        "How do I check the balance of my gift card?",
        "Enter the card number on the gift card page; the balance shows at once.",
        (("Gift cards", HELP + "gift-cards", 0.69),),
        0.35,
        3,
    ),
    Topic(
        ("Which boot size?", "Size guide for kids' shoes", "Half sizes"),
        "I am between two sizes. Which one should I order?",
        "Our size guide suggests the larger size for hiking boots.",
        (("catalog/size-guide.md", None, 0.58),),
        0.45,
        3,
    ),
    Topic(
        ("Store opening hours", "Open on Sunday?", "Click and collect hours"),
        "When is the Hamburg store open?",
        "The Hamburg store is open Monday to Saturday, 9:00 to 20:00.",
        (("faq/stores.md", None, None),),  # a retriever that gives no scores
        0.2,
        2,
    ),
    Topic(
        ("Do you sell bicycles?", "Question about e-bikes", "Bike repair"),
        "Do you sell e-bikes or repair bicycles?",
        "I could not find anything about bicycles in our documents.",
        (),  # nothing retrieved
        0.8,
        2,
    ),
]
MODELS = [("gpt-4o-mini", 900, 7), ("gpt-4o", 1900, 3)]  # (name, usual latency, weight)


def when(day, minute):
    return datetime.combine(day, time(8), UTC) + timedelta(minutes=minute)


def stamp(moment):
    return moment.isoformat().replace("+00:00", "Z")


def context_of(topic, rng):
    chunks = []
    for label, url, score in topic.sources:
        chunk = {"source": label, "text": f"From {label}."}
        if url:
            chunk["url"] = url
        if score is not None:
            chunk["score"] = round(min(max(score + rng.uniform(-0.12, 0.12), 0.05), 0.99), 3)
        chunks.append(chunk)
    return {"chunks": chunks} if chunks else {}


def answer_metadata(rng):
    model, latency, _ = rng.choices(MODELS, weights=[weight for *_, weight in MODELS])[0]
    return {
        "model": model,
        "latency_ms": str(round(latency * rng.lognormvariate(0, 0.35))),
        "prompt_tokens": str(rng.randint(700, 2400)),
        "completion_tokens": str(rng.randint(60, 320)),
    }


def chat_record(rng, day, minute):
    topic = rng.choices(TOPICS, weights=[topic.weight for topic in TOPICS])[0]
    messages = []
    for turn in range(rng.choice((1, 1, 2, 3))):
        asked, answered = when(day, minute + 2 * turn), when(day, minute + 2 * turn + 1)
        rating = None
        if rng.random() < 0.45:
            rating = "down" if rng.random() < topic.down else "up"
        for sender, content, moment in (
            ("user", topic.question, asked),
            ("ai", topic.answer, answered),
        ):
            message = {
                "id": str(uuid.uuid4()),
                "seq": len(messages) + 1,
                "sender": sender,
                "content": content,
                "created_at": stamp(moment),
            }
            if sender == "ai":
                message["context"] = context_of(topic, rng)
                message["metadata"] = answer_metadata(rng)
                if rating:
                    message["feedback"] = {"rating": rating, "created_at": stamp(moment)}
            messages.append(message)
    return {
        "id": str(uuid.uuid4()),
        "user_id": rng.choice(USERS),
        "title": rng.choice(topic.titles),
        "created_at": messages[0]["created_at"],
        "updated_at": messages[-1]["created_at"],
        "messages": messages,
    }


def history_records(today):
    """The chats of the DAYS days before `today`: more on weekdays, spread over the day."""
    rng = random.Random(SEED)  # noqa: S311 (made-up data, not secrets)
    records = []
    for back in range(DAYS, 0, -1):
        day = today - timedelta(days=back)
        count = rng.randint(5, 9) if day.weekday() < 5 else rng.randint(2, 4)
        for minute in sorted(rng.sample(range(0, 600, 10), count)):
            records.append(chat_record(rng, day, minute))
    return records


def seed_history(database_url, instance_path, tenant="default"):
    """Import the history into `tenant`; returns its records (what the tests expect)."""
    records = history_records(datetime.now(UTC).date())
    app = build_app(database_url, INSTANCE_PATH=instance_path)
    with app.app_context():
        report = import_lines([json.dumps(record).encode() for record in records], tenant)
        db.engine.dispose()
    assert report.sessions == len(records) and not report.rejected, report
    return records
