"""Chats whose insight figures are worked out by hand in tests/api/test_insights.py: every
context shape, answers without context, an answer to delete, a user to erase, messages
just outside the period and another tenant's chat."""

from tests.support.records import chat, chunks, message

PERIOD = "since=2026-11-01&until=2026-11-03"

ALICE = chat(
    "Alice's chat",
    "alice",
    "2026-11-01T09:00:00Z",
    message("user", "2026-11-01T09:00:00Z"),
    message(
        "ai",
        "2026-11-01T09:01:00Z",
        context=chunks(("handbook.md", 0.9), ("faq.md", 0.35)),
        rating="down",
        model="gpt-a",
        latency_ms="100",
        prompt_tokens="10",
        completion_tokens="5",
    ),
    message(
        "ai",
        "2026-11-02T10:00:00Z",
        context={
            "documents": [
                {
                    "page_content": "c",
                    "metadata": {"source": "handbook.md", "relevance_score": 0.55},
                }
            ]
        },
        rating="up",
        model="gpt-a",
        latency_ms="300",
        prompt_tokens="20",
        completion_tokens="7",
    ),
    # Deleted by the tests before anything is counted.
    message("ai", "2026-11-02T11:00:00Z", context=chunks(("deleted.md", 0.2)), rating="down"),
)
BOB = chat(
    "Bob's chat",
    "bob",
    "2026-11-02T12:00:00Z",
    message("user", "2026-11-02T12:00:00Z"),
    message(
        "ai",
        "2026-11-02T12:01:00Z",
        context={"sources": [{"content": "d", "url": "https://example.com/pricing"}]},
        rating="down",
        model="gpt-b",
        latency_ms="50",
    ),
    message("ai", "2026-11-03T08:00:00Z", rating="down"),
    message(
        "ai",
        "2026-11-03T08:05:00Z",
        context={"citations": [{"text": "e", "title": "Policy", "similarity": 0.72}]},
        model="gpt-a",
        latency_ms="200",
    ),
)
CAROL = chat(
    "Carol's chat",
    "carol",
    "2026-10-30T10:00:00Z",
    message("ai", "2026-10-31T23:59:59Z", context=chunks(("handbook.md", 0.8)), rating="down"),
    message(
        "ai",
        "2026-11-03T09:00:00Z",
        context=chunks(("handbook.md", 0.1)),
        rating="down",
        model="gpt-a",
        latency_ms="400",
        prompt_tokens="7",
    ),
    message("user", "2026-11-04T00:00:00Z"),
)
DAVE = chat(  # erased by the tests before anything is counted
    "Dave's chat",
    "dave",
    "2026-11-01T10:00:00Z",
    message("ai", "2026-11-01T10:00:00Z", context=chunks(("handbook.md", 0.5)), rating="down"),
)
OTHER_TENANT = chat(
    "Another tenant's chat",
    "alice",
    "2026-11-01T09:00:00Z",
    message("ai", "2026-11-01T09:00:00Z", context=chunks(("handbook.md", 0.3)), rating="down"),
    tenant="other",
)
