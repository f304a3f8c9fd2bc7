"""Reading the passages retrieved for an answer out of a message's context."""

import json

import pytest

from ragchat.chats.context import format_score, read_context


def test_read_context_keeps_every_key():
    context = {
        "chunks": [],
        "documents": "not a list",
        "sources": [{"text": "t", "score": True, "similarity": 0.25}],
        "citations": [{"text": "huge", "score": 10**400}],
        "other": {"nested": [1, 2]},
    }
    found = read_context(context)
    assert [(p.text, p.score, p.label) for p in found.passages] == [
        ("t", "0.25", None),
        ("huge", None, None),
    ]
    assert found.passages[0].extra == {"score": "true"}
    assert found.passages[1].extra == {"score": str(10**400)}
    assert json.loads(found.rest) == {
        "chunks": [],
        "documents": "not a list",
        "other": {"nested": [1, 2]},
    }
    assert not read_context({})
    assert read_context(None).rest is None


@pytest.mark.parametrize(
    ("score", "shown"),
    [(0.82, "0.82"), (0.8234, "0.823"), (1, "1.00"), (0.1, "0.10"), (12.3456, "12.346")],
)
def test_scores_show_two_or_three_decimals(score, shown):
    assert format_score(score) == shown
