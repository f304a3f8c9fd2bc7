"""An answer's facts: its passages, best score, cited sources and the usual metadata, read
once when it is stored."""

import pytest

from ragchat.chats.facts import NOT_AN_ANSWER, facts_of
from ragchat.rules import SOURCE_LENGTH, SOURCE_URL_BYTES

CONTEXT = {
    "chunks": [
        {"text": "a", "source": "handbook.md", "score": 0.41},
        {"text": "b", "source": "handbook.md", "url": "https://example.com/h", "score": 0.9},
    ],
    "documents": [{"page_content": "c", "metadata": {"title": "FAQ", "relevance_score": 0.7}}],
    "sources": [{"content": "d", "url": "https://example.com/d"}, {"content": "no label"}],
    "citations": [{"text": "e", "title": "  Policy  ", "similarity": 1}, {"no": "text"}],
    "other": [{"text": "not a passage list", "source": "ignored"}],
}


def test_an_answer_counts_its_passages_best_score_and_sources_once_each():
    facts = facts_of("ai", CONTEXT, {})
    assert facts.passage_count == 6  # the item without text is no passage
    assert facts.best_score == 1.0
    assert facts.sources == (
        ("handbook.md", "https://example.com/h"),  # the first link seen for it
        ("FAQ", None),
        ("https://example.com/d", "https://example.com/d"),
        ("Policy", None),
    )


@pytest.mark.parametrize("sender", ["user", "system", "tool"])
def test_only_answers_have_facts(sender):
    assert facts_of(sender, CONTEXT, {"model": "m", "latency_ms": "5"}) == NOT_AN_ANSWER
    assert NOT_AN_ANSWER.passage_count is None


def test_an_answer_without_passages_has_none_and_no_score():
    for context in ({}, None, [], {"chunks": "text"}, {"chunks": [{"title": "no text"}]}):
        facts = facts_of("ai", context, {})
        assert (facts.passage_count, facts.best_score, facts.sources) == (0, None, ())


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        (
            {"model": " gpt-4o ", "latency_ms": "812.5", "prompt_tokens": "1200"},
            ("gpt-4o", 812.5, 1200, None),
        ),
        ({"completion_tokens": "3.0", "latency_ms": "0"}, (None, 0.0, None, 3)),
        ({"model": "", "latency_ms": "fast", "prompt_tokens": "1.5"}, (None, None, None, None)),
        ({"latency_ms": "-1", "prompt_tokens": "-2", "completion_tokens": "1e20"}, (None,) * 4),
        ({"latency_ms": "nan", "prompt_tokens": "inf", "model": 7}, (None,) * 4),
        (
            {"latency_ms": 12, "prompt_tokens": 40, "completion_tokens": True},
            (None, 12.0, 40, None),
        ),
    ],
)
def test_metadata_becomes_numbers_or_nothing(metadata, expected):
    facts = facts_of("ai", {}, metadata)
    assert (facts.model, facts.latency_ms, facts.prompt_tokens, facts.completion_tokens) == expected


def test_long_labels_are_cut_and_then_matched_as_one_source():
    long = "x" * (SOURCE_LENGTH + 50)
    context = {"chunks": [{"text": "a", "source": long}, {"text": "b", "source": long + "y"}]}
    assert facts_of("ai", context, {}).sources == (("x" * SOURCE_LENGTH, None),)


def test_a_link_too_long_to_index_is_not_kept():
    long = "https://example.com/" + "é" * SOURCE_URL_BYTES
    context = {"chunks": [{"text": "a", "source": "s", "url": long}, {"text": "b", "url": long}]}
    assert facts_of("ai", context, {}).sources == (("s", None), (long[:SOURCE_LENGTH], None))
