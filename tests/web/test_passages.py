"""The passages retrieved for an answer, shown in a chat as cards, with the rest of the
context as JSON."""

import json

import pytest

from tests.support.html import main
from tests.support.web import messages

# Each shape: the context, and its card's (label, link, score, text, other fields).
CONTEXT_SHAPES = {
    "chunks": (
        {"chunks": [{"text": "Refunds take 5 days.", "source": "refunds.md", "score": 0.8234}]},
        ("refunds.md", None, "0.823", "Refunds take 5 days.", None),
    ),
    "documents": (
        {
            "documents": [
                {
                    "page_content": "Boots have a 2 year warranty.",
                    "metadata": {"source": "warranty.pdf", "page": 3},
                    "relevance_score": 0.5,
                }
            ]
        },
        ("warranty.pdf", None, "0.50", "Boots have a 2 year warranty.", "page 3"),
    ),
    "sources": (
        {"sources": [{"content": "Open 9 to 5.", "title": "Opening hours", "similarity": 1}]},
        ("Opening hours", None, "1.00", "Open 9 to 5.", None),
    ),
    "citations": (
        {
            "citations": [
                {
                    "text": "Free over 50 €.",
                    "url": "https://example.com/shipping",
                    "metadata": {"title": "Shipping", "id": 7},
                }
            ]
        },
        ("Shipping", "https://example.com/shipping", None, "Free over 50 €.", "id 7"),
    ),
    "url-only": (
        {"chunks": [{"text": "Only a link.", "url": "https://example.com/faq"}]},
        ("https://example.com/faq", "https://example.com/faq", None, "Only a link.", None),
    ),
}


@pytest.mark.parametrize("shape", CONTEXT_SHAPES)
def test_retrieved_passages_are_shown_as_cards(browser, make_session, add_message, shape):
    context, (label, link, score, text, extra) = CONTEXT_SHAPES[shape]
    session = make_session()
    add_message(session["id"], "Answer.", sender="ai", context=context)

    (message,) = messages(browser.get(f"/sessions/{session['id']}"))

    (card,) = message.all("figure", cls="chunk")
    source = card.one(cls="chunk-source")
    assert source.text == label
    assert [node.attrs["href"] for node in source.all("a")] == ([link] if link else [])
    assert card.one("blockquote").text == text
    assert [node.text for node in card.all(cls="chunk-score")] == (
        [f"score {score}"] if score else []
    )
    assert [node.text for node in card.all("dl")] == ([extra] if extra else [])
    assert message.all("details") == []  # nothing else was in the context
    assert "1 retrieved passage" in message.one(cls="passages-label").text


def test_a_passages_link_is_only_ever_http(browser, make_session, add_message):
    session = make_session()
    chunks = [
        {"text": "a", "url": "https://example.com/a"},
        {"text": "b", "url": "javascript:alert(1)"},
        {"text": "c", "source": "c.md", "url": "data:text/html,hi"},
    ]
    add_message(session["id"], "x", sender="ai", context={"chunks": chunks})

    cards = main(browser.get(f"/sessions/{session['id']}")).all("figure", cls="chunk")

    hrefs = [node.attrs["href"] for card in cards for node in card.all("a")]
    assert hrefs == ["https://example.com/a"]
    assert cards[0].one("a").attrs["rel"] == "noopener noreferrer nofollow"
    assert cards[1].one(cls="chunk-source").text == "javascript:alert(1)"  # shown, not linked
    assert cards[2].one("dd").text == "data:text/html,hi"


def test_other_context_is_pretty_json_in_a_closed_details(browser, make_session, add_message):
    session = make_session()
    context = {
        "chunks": [{"text": "Kept as a card.", "score": 0.9, "page": 4}, {"no": "text"}],
        "model": "gpt-4o-mini",
        "tool_calls": [{"name": "lookup_order", "arguments": {"order_id": "NW-1"}}],
    }
    add_message(session["id"], "Answer.", sender="ai", context=context)
    add_message(session["id"], "No context.", sender="ai")

    with_context, without = messages(browser.get(f"/sessions/{session['id']}"))

    (card,) = with_context.all("figure", cls="chunk")
    assert card.one("dl", cls="chunk-extra").text == "page 4"
    details = with_context.one("details")
    assert "open" not in details.attrs
    assert details.one("summary").text == "Context"
    shown = details.one("pre").children[0]
    assert shown.startswith("{\n  ")  # indented
    assert json.loads(shown) == {
        "chunks": [{"no": "text"}],
        "model": "gpt-4o-mini",
        "tool_calls": [{"name": "lookup_order", "arguments": {"order_id": "NW-1"}}],
    }
    assert without.all("footer") == []
