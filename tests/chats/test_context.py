"""Reading the passages retrieved for an answer out of a message's context."""

import json

import pytest

from ragchat.chats.context import ToolCall, format_score, read_context, read_tool_calls


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


def test_a_score_in_the_metadata_counts_when_the_item_has_none():
    documents = [
        {"page_content": "a", "metadata": {"source": "x.md", "relevance_score": 0.5}},
        {"page_content": "b", "score": 0.9, "metadata": {"score": 0.1}},
    ]
    first, second = read_context({"documents": documents}).passages
    assert (first.label, first.score, first.extra) == ("x.md", "0.50", {})
    assert (second.score, second.extra) == ("0.90", {"metadata.score": "0.1"})


def test_tool_calls_are_read_from_langchains_shape():
    extra = {"tool_calls": [{"name": "lookup", "args": {"id": 7}}, {"args": {}}, "junk"]}
    assert read_tool_calls(extra) == [ToolCall("lookup", '{\n  "id": 7\n}')]
    assert read_tool_calls({"tool_calls": "none"}) == read_tool_calls(None) == []
