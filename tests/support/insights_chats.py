"""The insights page tests' chats (a few days of November 2026, every kind of figure, and
another tenant's), and what a link to the chat list stands for among them, worked out from
the records themselves rather than by the code under test."""

import math
from urllib.parse import parse_qs, urlsplit

from tests.support.records import chat, chunks, message

LINKED_SOURCE = {"source": "Docs", "url": "https://docs.example/x", "text": "…", "score": 0.7}
MARKUP_SOURCE = {"source": "<b>bold</b>.md", "url": "javascript:alert(1)", "text": "…"}
RECORDS = [
    chat(
        "Alice on the handbook",
        "alice",
        "2026-11-01T10:00:00Z",
        message("user", "2026-11-01T10:00:00Z"),
        message(
            "ai",
            "2026-11-01T10:01:00Z",
            context=chunks(("handbook.md", 0.92), ("faq.md", 0.4)),
            rating="down",
            model="gpt-a",
            latency_ms="100",
            prompt_tokens="10",
            completion_tokens="5",
        ),
        message(
            "ai",
            "2026-11-02T09:00:00Z",
            context=chunks(("handbook.md", 0.55)),
            rating="up",
            model="gpt-a",
            latency_ms="300",
            prompt_tokens="20",
            completion_tokens="7",
        ),
    ),
    chat(
        "Alice on refunds",
        "alice",
        "2026-11-02T08:00:00Z",
        message("user", "2026-11-02T08:00:00Z"),
        message(
            "ai",
            "2026-11-02T08:01:00Z",
            context=chunks(("refunds.md", 0.15)),
            rating="down",
            model="gpt-b",
            latency_ms="900",
        ),
        message(
            "ai",
            "2026-11-02T08:05:00Z",
            rating="down",
            model="gpt-b",
            latency_ms="1200",
            prompt_tokens="30",
            completion_tokens="12",
        ),
    ),
    chat(
        "Bob's notes",
        "bob",
        "2026-11-03T12:00:00Z",
        message(
            "ai",
            "2026-11-03T12:00:00Z",
            context=chunks(("notes.md", None)),
            rating="up",
            latency_ms="50",
        ),
    ),
    chat(
        "Bob on the FAQ",
        "bob",
        "2026-11-03T13:00:00Z",
        message(
            "ai",
            "2026-11-03T13:00:00Z",
            context=chunks(("faq.md", 0.61)),
            rating="up",
            model="gpt-a",
            latency_ms="200",
        ),
        message("ai", "2026-11-03T13:01:00Z", context=chunks(("faq.md", 0.62))),
        message("user", "2026-11-03T13:02:00Z", rating="down"),  # only answers count
    ),
    chat(
        "Carol from the day before",
        "carol",
        "2026-10-31T23:00:00Z",
        message("ai", "2026-10-31T23:30:00Z", context=chunks(("handbook.md", 0.3)), rating="down"),
        message("ai", "2026-11-01T00:30:00Z", context=chunks(("handbook.md", 0.35)), rating="down"),
    ),
    chat(
        "Dave the day after",
        "dave",
        "2026-11-04T00:00:00Z",
        message("ai", "2026-11-04T00:00:00Z", context=chunks(("handbook.md", 0.9)), rating="down"),
    ),
    chat(
        "Eve's sources",
        "eve",
        "2026-11-03T15:00:00Z",
        message("ai", "2026-11-03T15:00:00Z", context={"chunks": [LINKED_SOURCE, MARKUP_SOURCE]}),
    ),
    chat(
        "Acme's chat",
        "alice",
        "2026-11-02T10:00:00Z",
        message(
            "ai",
            "2026-11-02T10:00:00Z",
            context=chunks(("handbook.md", 0.9), ("acme-secret.md", 0.8)),
            rating="down",
        ),
        tenant="acme",
    ),
]


def passages(message):
    return message["context"].get("chunks", [])


def best_score(message):
    scores = [chunk["score"] for chunk in passages(message) if "score" in chunk]
    return max(scores) if scores else None


MESSAGE_FILTERS = {
    "sent_since": lambda m, day: m["created_at"][:10] >= day,
    "sent_until": lambda m, day: m["created_at"][:10] <= day,
    "sender": lambda m, sender: m["sender"] == sender,
    "rating": lambda m, rating: (m["feedback"] or {}).get("rating") == rating,
    "cites": lambda m, source: source in [chunk["source"] for chunk in passages(m)],
    "model": lambda m, model: m["metadata"].get("model") == model,
    "retrieval": lambda m, kind: (
        m["sender"] == "ai"
        and (not passages(m) if kind == "none" else bool(passages(m)) and best_score(m) is None)
    ),
    "score_from": lambda m, low: best_score(m) is not None and best_score(m) >= float(low),
    "score_to": lambda m, high: best_score(m) is not None and best_score(m) < float(high),
}


def behind(href, tenant="default"):
    """(the titles of the chats, their messages) that the chat list's filters in `href`
    mean: every filter of the message met by one message."""
    arguments = {name: values[0] for name, values in parse_qs(urlsplit(href).query).items()}
    wanted = {name: value for name, value in arguments.items() if name in MESSAGE_FILTERS}
    titles, found = set(), []
    for record in RECORDS:
        started = record["created_at"][:10]
        if (
            record["tenant"] != tenant
            or arguments.get("user_id", record["user_id"]) != record["user_id"]
            or started < arguments.get("started_since", started)
            or started > arguments.get("started_until", started)
        ):
            continue
        hits = [
            m
            for m in record["messages"]
            if all(MESSAGE_FILTERS[n](m, v) for n, v in wanted.items())
        ]
        if hits or not wanted:
            titles.add(record["title"])
            found.extend(hits)
    return titles, found


def percentile(values, fraction):
    """PostgreSQL's percentile_cont."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    below, above = math.floor(position), math.ceil(position)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def figure_of(kind, titles, found):
    """The figure a link's chats and messages make, by the kind of figure."""
    metadata = [m["metadata"] for m in found]
    if kind == "conversations":
        return len(titles)
    if kind in ("prompt", "completion"):
        return sum(int(m.get(f"{kind}_tokens", 0)) for m in metadata)
    if kind in ("p50", "p95"):
        return percentile([float(m["latency_ms"]) for m in metadata], int(kind[1:]) / 100)
    return len(found)  # messages, answers, rated up or down, without a passage
