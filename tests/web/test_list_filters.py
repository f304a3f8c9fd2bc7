"""The chat list's filters by when a chat started and by one of its messages (sent when, by
whom, rated how, citing which source, answered by which model, retrieved how): the
filters the insights page's figures link to."""

from urllib.parse import parse_qs, urlsplit

import pytest

from ragchat.rules import SOURCE_LENGTH
from tests.support.html import labelled, links, main, redirected_to
from tests.support.records import chat, chunks, import_chats, message
from tests.support.web import listed_titles

# The chats' titles
DOWN, UP, TWO = "Handbook, rated down", "Handbook, rated up", "Two answers"
BARE, UNSCORED, USER = "No passage", "Unscored passages", "User message rated down"


@pytest.fixture
def chats(app):
    """Six chats in early November 2026, and another tenant's copy of the first."""
    cited_down = (
        "Handbook, rated down",
        "alice",
        "2026-11-02T09:00:00Z",
        message("user", "2026-11-02T09:00:00Z"),
        message(
            "ai",
            "2026-11-02T09:01:00Z",
            context=chunks(("handbook.md", 0.9), ("faq.md", 0.5)),
            rating="down",
            model="gpt-a",
        ),
    )
    import_chats(
        app,
        chat(*cited_down),
        chat(*cited_down, tenant="acme"),
        chat(
            "Handbook, rated up",
            "bob",
            "2026-11-03T10:00:00Z",
            message(
                "ai",
                "2026-11-03T10:00:00Z",
                context=chunks(("handbook.md", 0.45)),
                rating="up",
                model="gpt-b",
            ),
        ),
        # Rated down citing faq.md, and citing handbook.md unrated: never "handbook.md
        # rated down", since one message must meet every filter.
        chat(
            "Two answers",
            "alice",
            "2026-10-31T23:59:00Z",
            message("user", "2026-10-31T23:59:00Z"),
            message("ai", "2026-11-01T00:00:00Z", context=chunks(("faq.md", 0.2)), rating="down"),
            message(
                "ai", "2026-11-04T08:00:00Z", context=chunks(("handbook.md", 0.7)), model="gpt-a"
            ),
        ),
        chat(
            "No passage",
            "carol",
            "2026-11-04T12:00:00Z",
            message("ai", "2026-11-04T12:00:00Z", rating="down"),
        ),
        chat(
            "Unscored passages",
            "carol",
            "2026-11-05T23:59:59Z",
            message("ai", "2026-11-05T23:59:59Z", context=chunks(("notes.md", None)), rating="up"),
        ),
        chat(
            "User message rated down",
            "dave",
            "2026-11-03T07:00:00Z",
            message("user", "2026-11-03T07:00:00Z", rating="down"),
        ),
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("cites=handbook.md", {DOWN, UP, TWO}),
        ("cites=handbook.md&rating=down", {DOWN}),
        ("cites=faq.md&rating=down", {DOWN, TWO}),
        ("cites=HANDBOOK.md", set()),
        ("rating=down", {DOWN, TWO, BARE, USER}),
        ("rated_down=1", {DOWN, TWO, BARE, USER}),
        ("rating=down&sender=ai", {DOWN, TWO, BARE}),
        ("rating=down&sender=user", {USER}),
        ("rating=up", {UP, UNSCORED}),
        ("rating=any&sender=ai", {DOWN, UP, TWO, BARE, UNSCORED}),
        ("sent_since=2026-11-04&sent_until=2026-11-04", {TWO, BARE}),
        ("sent_since=2026-11-04", {TWO, BARE, UNSCORED}),
        ("sent_until=2026-10-31", {TWO}),
        ("sent_since=2026-11-05&sent_until=2026-11-05", {UNSCORED}),
        ("sent_since=2026-11-01&sent_until=2026-11-01&sender=ai&rating=down", {TWO}),
        ("started_since=2026-11-01&started_until=2026-11-01", set()),
        ("started_until=2026-10-31", {TWO}),
        ("started_since=2026-11-04&started_until=2026-11-05", {BARE, UNSCORED}),
        ("model=gpt-a", {DOWN, TWO}),
        ("model=gpt-a&sent_since=2026-11-02&sent_until=2026-11-02&sender=ai", {DOWN}),
        ("retrieval=none", {BARE}),
        ("retrieval=unscored", {UNSCORED}),
        ("score_from=0.4&score_to=0.8", {UP, TWO}),
        ("score_from=0.9", {DOWN}),
        ("score_to=0.45", {TWO}),
        ("score_from=0.45&score_to=0.7&rating=up", {UP}),
        ("user_id=alice&cites=handbook.md", {DOWN, TWO}),
        ("user_id=carol&rating=any&q=passage", {BARE, UNSCORED}),
        ("sender=system", set()),
        ("sent_since=&sender=&cites=&score_from=", None),  # an empty form filters nothing
    ],
)
def test_filters_by_a_message(browser, chats, query, expected):
    response = browser.get(f"/?{query}", follow_redirects=True)
    assert response.status_code == 200
    everything = {DOWN, UP, TWO, BARE, UNSCORED, USER}
    assert set(listed_titles(response)) == (everything if expected is None else expected)


def test_scores_match_exactly_what_a_link_carries(app, browser):
    """0.1 + 0.2 is not 0.3: a bucket's edge written in full matches as a float."""
    import_chats(
        app,
        *(
            chat(title, "alice", "2026-11-02T09:00:00Z", message("ai", when, context=context))
            for title, when, context in (
                ("At 0.3", "2026-11-02T09:00:00Z", chunks(("a.md", 0.3))),
                ("Just above", "2026-11-02T09:01:00Z", chunks(("a.md", 0.1 + 0.2))),
            )
        ),
    )
    assert listed_titles(browser.get(f"/?score_to={0.1 + 0.2!r}")) == ["At 0.3"]
    assert listed_titles(browser.get(f"/?score_from={0.1 + 0.2!r}")) == ["Just above"]


def test_the_filters_in_words_with_a_link_that_clears_them(browser, chats):
    query = "cites=handbook.md&rating=down&sender=ai&sent_since=2026-11-01&sent_until=2026-11-09"
    tree = main(browser.get(f"/?{query}"))
    summary = tree.one("p", cls="active-filters")
    assert summary.text == (
        "Showing chats with an answer citing “handbook.md”, rated down, "
        "sent 2026-11-01 \u2013 2026-11-09. Clear filters"
    )
    assert links(summary) == {"Clear filters": "/"}
    more = tree.one("details", cls="more-filters")
    assert "open" not in more.attrs  # the sentence says it; the fields stay folded
    assert labelled(tree, "Answer cites source").attrs["value"] == "handbook.md"
    assert labelled(tree, "Message sent from").attrs["value"] == "2026-11-01"
    assert "selected" in tree.one("select", id="rating").one("option", value="down").attrs

    said = main(browser.get("/?user_id=carol&started_since=2026-11-04&score_from=0.5&model=m"))
    assert said.one("p", cls="active-filters").text == (
        "Showing chats of user “carol”, started from 2026-11-04, with a message by model "
        "“m”, best passage score 0.5 or more. Clear filters"
    )
    assert main(browser.get("/")).all("p", cls="active-filters") == []


@pytest.mark.parametrize(
    ("query", "field", "error"),
    [
        ("score_from=nan", "Best passage score from", "Enter a number."),
        ("score_to=1e999", "Best passage score below", "Enter a number."),
        ("score_from=high", "Best passage score from", "Not a valid float value."),
        (
            "score_from=0.5&score_to=0.5",
            "Best passage score below",
            "Must be above the score it starts from.",
        ),
        ("sent_since=2026-02-30", "Message sent from", "Not a valid date value."),
        ("sent_until=9999-12-31", "Message sent until", "Use a day from 1970-01-01 to 9999-12-30."),
        ("started_since=1969-12-31", "Started from", "Use a day from 1970-01-01 to 9999-12-30."),
        (
            "sent_since=2026-11-05&sent_until=2026-11-04",
            "Message sent until",
            "Must not be before the first day.",
        ),
        (
            "started_since=2026-11-05&started_until=2026-11-04",
            "Started until",
            "Must not be before the first day.",
        ),
        ("rating=sideways", "Rating", "Not a valid choice."),
        ("sender=bot", "Sent by", "Not a valid choice."),
        ("retrieval=maybe", "Retrieval", "Not a valid choice."),
        (
            "cites=" + "s" * (SOURCE_LENGTH + 1),
            "Answer cites source",
            f"Use at most {SOURCE_LENGTH} characters.",
        ),
        ("model=a%00b", "Answered by model", "Must not contain NUL characters."),
        ("cites=a%00b", "Answer cites source", "Must not contain NUL characters."),
    ],
)
def test_filters_that_cannot_match_are_explained(browser, chats, query, field, error):
    response = browser.get(f"/?{query}")
    assert response.status_code == 422
    tree = main(response)
    control = labelled(tree, field)
    assert tree.one(id=control.attrs["aria-describedby"]).text == error
    assert listed_titles(response) == []
    if field not in ("Rating",):
        assert "open" in tree.one("details", cls="more-filters").attrs
    assert links(tree.one("p", cls="active-filters")) == {"Clear filters": "/"}


def test_pages_keep_every_filter(app, browser):
    import_chats(
        app,
        *(
            chat(
                f"Chat {number:02d}",
                "alice",
                f"2026-11-02T09:{number:02d}:00Z",
                message(
                    "ai",
                    f"2026-11-02T09:{number:02d}:00Z",
                    context=chunks(("handbook.md", 0.1 + 0.2)),
                    rating="down",
                    model="gpt-a",
                ),
            )
            for number in range(25)
        ),
    )
    query = (
        "user_id=alice&rating=down&started_since=2026-11-02&sent_since=2026-11-02"
        "&sent_until=2026-11-02&sender=ai&cites=handbook.md&model=gpt-a"
        f"&score_from={0.1 + 0.2!r}&score_to=1.0&favorites=0"
    )
    first = browser.get(f"/?{query}")
    assert len(listed_titles(first)) == 20
    following = links(main(first).one("nav", cls="pager"))["Next"]
    wanted = {name: values for name, values in parse_qs(query).items() if name != "favorites"}
    assert parse_qs(urlsplit(following).query) == {**wanted, "page": ["2"]}
    assert len(listed_titles(browser.get(following))) == 5


def test_a_submitted_form_leaves_its_empty_fields_out_of_the_address(browser):
    response = browser.get("/?user_id=&q=&rating=down&favorites=1&sent_since=&cites=&score_to=")
    assert redirected_to(response) == "/?rating=down&favorites=1"
    assert redirected_to(browser.get("/?user_id=&q=")) == "/"
