"""The insights page: who may see it, the figures in its tables (the API's, and by hand),
and its links, each followed to the chat list to find exactly the chats behind its figure
(worked out from the seeded messages themselves, in tests/support/insights_chats.py)."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.html import links, main, page, redirected_to
from tests.support.insights_chats import RECORDS, behind, figure_of
from tests.support.records import chat, chunks, import_chats, message
from tests.support.web import listed_titles

PERIOD = "since=2026-11-01&until=2026-11-03"


@pytest.fixture
def seeded(app):
    return import_chats(app, *RECORDS)


TOTALS = {
    "Conversations started": "conversations",
    "Messages": "messages",
    "Answers": "answers",
    "Rated up": "up",
    "Rated down": "down",
    "Share rated down": "share",
    "Answers without a passage": "without",
}


def linked_figures(response):
    """Every figure on the page that links to the chat list: (kind, value, href, the
    links of the figures beside it), kind being its column's data-series."""
    tree = main(response)
    found = []
    for table in tree.all("table", cls="insight-table"):
        kinds = [th.attrs.get("data-series") for th in table.one("thead").all("th")]
        for row in table.one("tbody").all("tr"):
            cells = [child for child in row.children if not isinstance(child, str)]
            beside = {kind: links(cell) for kind, cell in zip(kinds, cells, strict=True)}
            for kind, cell in zip(kinds, cells, strict=True):
                for link in cell.all("a"):
                    if link.attrs["href"].startswith("/?"):
                        found.append(
                            (kind, float(cell.attrs["data-value"]), link.attrs["href"], beside)
                        )
    totals = {TOTALS[item.one("dt").text]: item.one("dd") for item in tree.one("dl").all("div")}
    beside = {kind: links(dd) for kind, dd in totals.items()}
    for kind, dd in totals.items():
        for link in dd.all("a"):
            found.append((kind, number(link.text), link.attrs["href"], beside))
    retrieval = tree.one("section", aria_labelledby="retrieval-title").one("p")
    for link in retrieval.all("a"):
        found.append(("without", number(link.text), link.attrs["href"], beside))
    return found


def number(text):
    return float(text.replace(",", "").rstrip("%"))


# The tests -------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in_and_back(client):
    target = urlsplit(redirected_to(client.get(f"/insights?{PERIOD}")))
    assert target.path == "/sign-in"
    assert parse_qs(target.query)["next"] == [f"/insights?{PERIOD}"]


def test_any_key_that_reads_sees_it_from_the_header(browser_for):
    reader = browser_for("default", ("read",))
    assert links(page(reader.get("/")).one("nav", aria_label="Main"))["Insights"] == "/insights"
    response = reader.get("/insights")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    nav = page(response).one("nav", aria_label="Main")
    assert [a.text for a in nav.all("a") if a.attrs.get("aria-current") == "page"] == ["Insights"]
    assert browser_for("default", ("write",)).get("/insights").status_code == 403


def test_without_script_the_page_is_its_tables(browser, seeded):
    response = browser.get(f"/insights?{PERIOD}")
    tree = page(response)
    scripts = [script.attrs for script in tree.all("script")]
    assert scripts == [
        {"src": "/static/vendor/chartjs/chart.umd.js", "defer": None},
        {"src": "/static/js/insights.js", "defer": None},
    ]  # no inline script: the Content-Security-Policy would refuse it
    for script in scripts:
        served = browser.get(script["src"])
        assert served.status_code == 200 and "javascript" in served.mimetype
    assert tree.all("canvas") == []  # the script adds the charts
    tables = main(response).all("table", cls="insight-table")
    assert [table.attrs["data-chart"] for table in tables] == [
        "activity",
        "ratings",
        "sources",
        "retrieval",
        "latency",
        "tokens",
    ]
    for table in tables:
        assert table.one("caption").text
        assert all(th.attrs["scope"] == "col" for th in table.one("thead").all("th"))
        assert all(row.all("th")[0].attrs["scope"] == "row" for row in table.one("tbody").all("tr"))


def test_the_totals_by_hand(browser, seeded):
    tree = main(browser.get(f"/insights?{PERIOD}"))
    totals = {item.one("dt").text: item.one("dd").text for item in tree.one("dl").all("div")}
    assert totals == {
        "Conversations started": "5",  # not Carol's (the day before) nor Dave's (after)
        "Messages": "12",
        "Answers": "9",
        "Rated up": "3",
        "Rated down": "4",  # the user's own message rated down is no answer
        "Share rated down": "57%",
        "Answers without a passage": "1",
    }
    assert "acme-secret.md" not in tree.text  # another tenant's


def cell_values(table):
    def value(cell):
        raw = cell.attrs["data-value"]
        return None if raw == "" else float(raw)

    return [
        [value(td) for td in row.all("td") if "data-value" in td.attrs]
        for row in table.one("tbody").all("tr")
    ]


@pytest.mark.parametrize(
    "query", [PERIOD, f"{PERIOD}&user_id=alice&sort=answers", "since=2026-11-03&sort=share"]
)
def test_the_tables_hold_the_apis_figures(browser, api, seeded, query):
    found = api.get("/api/insights?" + query.replace("sort=", "sources_order=")).json
    tables = {
        t.attrs["data-chart"]: t for t in main(browser.get(f"/insights?{query}")).all("table")
    }
    days, models = found["days"], found["models"]
    assert cell_values(tables["activity"]) == [[d["conversations"], d["messages"]] for d in days]
    assert cell_values(tables["ratings"]) == [
        [d["answers"], d["rated_up"], d["rated_down"], d["down_share"], d["without_passages"]]
        for d in days
    ]
    sources = tables["sources"].one("tbody").all("tr")
    assert [row.one("th").text for row in sources] == [s["source"] for s in found["sources"]]
    assert cell_values(tables["sources"]) == [
        [s["answers"], s["rated_up"], s["rated_down"], s["down_share"]] for s in found["sources"]
    ]
    retrieval = found["retrieval"]
    assert cell_values(tables["retrieval"]) == [
        *([b["rated_up"], b["rated_down"]] for b in retrieval["buckets"]),
        [retrieval["unscored_up"], retrieval["unscored_down"]],
        [retrieval["no_passages_up"], retrieval["no_passages_down"]],
    ]
    assert cell_values(tables["latency"]) == [
        [m["answers"], m["latency_p50_ms"], m["latency_p95_ms"]] for m in models
    ]
    assert cell_values(tables["tokens"]) == [
        [m["answers"], m["prompt_tokens"], m["completion_tokens"]] for m in models
    ]
    assert [row.all("td")[0].text for row in tables["tokens"].one("tbody").all("tr")] == [
        m["model"] or "No model named" for m in models
    ]


EVERY_KIND = {"conversations", "messages", "answers", "up", "down", "share", "without"}
MODEL_KINDS = {"p50", "p95", "prompt", "completion"}


@pytest.mark.parametrize(
    ("user", "kinds"),
    [
        (None, EVERY_KIND | MODEL_KINDS),
        ("alice", EVERY_KIND | MODEL_KINDS),
        ("bob", {"conversations", "messages", "answers", "up", "p50", "p95"}),
    ],
)
def test_every_link_lists_exactly_the_chats_behind_its_figure(browser, seeded, user, kinds):
    query = PERIOD + (f"&user_id={user}" if user else "")
    figures = linked_figures(browser.get(f"/insights?{query}"))
    assert {kind for kind, *_ in figures} == kinds
    for kind, value, href, beside in figures:
        arguments = parse_qs(urlsplit(href).query)
        assert arguments.get("user_id") == ([user] if user else None), href
        titles, found = behind(href)
        if kind == "share":  # of the rated answers: links to those rated down
            assert links_to(beside["down"]) == href
        else:
            assert figure_of(kind, titles, found) == pytest.approx(value), (kind, href)
        listed = listed_titles(browser.get(href))
        assert len(listed) == len(set(listed))
        assert set(listed) == titles, (kind, href)


def links_to(cell_links):
    (href,) = cell_links.values()
    return href


def test_the_links_say_what_they_stand_for(browser, seeded):
    tree = main(browser.get(f"/insights?{PERIOD}"))
    sources = tree.one("table", cls="sources-table")
    handbook = next(
        row for row in sources.one("tbody").all("tr") if row.one("th").text == "handbook.md"
    )
    down = parse_qs(urlsplit(links(handbook.all("td")[2])["2"]).query)
    assert down == {
        "cites": ["handbook.md"],
        "sender": ["ai"],
        "rating": ["down"],
        "sent_since": ["2026-11-01"],
        "sent_until": ["2026-11-03"],
    }
    day = tree.one("table", data_chart="activity").one("tbody").all("tr")[0]
    assert [links(cell) for cell in day.all("td")] == [
        {"1": "/?started_since=2026-11-01&started_until=2026-11-01"},
        {"3": "/?sent_since=2026-11-01&sent_until=2026-11-01"},
    ]
    last_bucket = tree.one("table", cls="retrieval-table").one("tbody").all("tr")[9]
    assert last_bucket.one("th").text == "0.9 to 1"
    assert "score_to" not in parse_qs(urlsplit(links(last_bucket.all("td")[1])["1"]).query)


def test_sources_link_out_only_to_web_pages_and_show_markup_as_text(browser, seeded):
    sources = main(browser.get(f"/insights?{PERIOD}")).one("table", cls="sources-table")
    names = {row.one("th").text: row.one("th") for row in sources.one("tbody").all("tr")}
    assert links(names["Docs"]) == {"Docs": "https://docs.example/x"}
    assert links(names["<b>bold</b>.md"]) == {}  # its javascript: url is no link
    assert names["<b>bold</b>.md"].all("b") == []  # the name is text, not markup


def test_sources_are_sorted_by_the_header_links(browser, seeded):
    orders = {}
    response = browser.get(f"/insights?{PERIOD}")
    for order in ("down", "answers", "share"):
        table = main(response).one("table", cls="sources-table")
        orders[order] = [row.one("th").text for row in table.one("tbody").all("tr")]
        header = table.one("thead")
        assert [th.text.rstrip(" ▼") for th in header.all("th", aria_sort="descending")] == [
            {"down": "Rated down", "answers": "Answers", "share": "Share rated down"}[order]
        ]
        following = {"down": "Answers", "answers": "Share rated down"}.get(order)
        if following:
            href = links(header)[following]
            sort = {"Answers": "answers", "Share rated down": "share"}[following]
            assert parse_qs(urlsplit(href).query) == {
                "since": ["2026-11-01"],
                "until": ["2026-11-03"],
                "sort": [sort],
            }
            response = browser.get(href)
    tail = ["notes.md", "<b>bold</b>.md", "Docs"]
    assert orders["down"] == ["handbook.md", "refunds.md", "faq.md", *tail]
    assert orders["answers"] == [
        "handbook.md",
        "faq.md",
        "refunds.md",
        "<b>bold</b>.md",
        "Docs",
        "notes.md",
    ]
    assert orders["share"] == ["refunds.md", "handbook.md", "faq.md", *tail]


def test_more_sources_than_shown_are_counted(app, browser):
    many = [(f"doc-{number:02d}.md", 0.5) for number in range(23)]
    import_chats(
        app,
        chat(
            "Many",
            "alice",
            "2026-11-02T09:00:00Z",
            message("ai", "2026-11-02T09:00:00Z", context=chunks(*many)),
        ),
    )
    section = main(browser.get(f"/insights?{PERIOD}")).one(
        "section", aria_labelledby="sources-title"
    )
    assert len(section.one("tbody").all("tr")) == 20
    assert "3 more sources were cited; the table shows the first 20." in section.text


def test_the_period_and_the_user_are_chosen_by_links_and_a_form(browser, make_session):
    make_session("alice")  # today
    tree = main(browser.get("/insights?user_id=alice"))
    presets = tree.one("nav", aria_label="Period")
    assert [a.text for a in presets.all("a", aria_current="page")] == ["Last 30 days"]
    seven = parse_qs(urlsplit(links(presets)["Last 7 days"]).query)
    assert seven == {"user_id": ["alice"], "days": ["7"]}
    form = tree.one("form", aria_label="Choose the period and user")
    assert form.attrs["method"] == "get" and form.all("input", name="csrf_token") == []
    assert re.search(
        r"Last 30 days: \d+ \w{3} \d{4} \u2013 \d+ \w{3} \d{4} \(UTC days\), "
        r"the chats of user “alice”",
        tree.text,
    )
    assert tree.one("dl").all("div")[0].one("dd").text == "1"
    chosen = main(browser.get("/insights?days=7&since=2026-11-01&until=2026-11-03"))
    assert chosen.one("nav", aria_label="Period").all("a", aria_current="page") == []
    assert len(chosen.one("table", data_chart="activity").one("tbody").all("tr")) == 3
    assert (
        len(
            main(browser.get("/insights?days=90"))
            .one("table", data_chart="activity")
            .one("tbody")
            .all("tr")
        )
        == 90
    )


def test_a_submitted_form_leaves_its_empty_fields_out_of_the_address(browser):
    response = browser.get("/insights?since=&until=&user_id=&days=7&sort=share")
    assert redirected_to(response) == "/insights?days=7&sort=share"


def test_the_models_section_needs_model_data(browser, make_session, add_message):
    session = make_session("alice")
    add_message(session["id"], "no metadata", sender="ai")
    tree = main(browser.get("/insights"))
    assert tree.all("section", aria_labelledby="models-title") == []
    assert tree.one("section", aria_labelledby="sources-title").one("p", cls="empty").text == (
        "No answer cited a source in this period."
    )


@pytest.mark.parametrize(
    ("query", "field", "error"),
    [
        ("days=5", None, "Days: Choose 7, 30 or 90 days."),
        ("days=week", None, "Days: Not a valid integer value."),
        ("sort=worst", None, "Sources by: Not a valid choice."),
        ("since=2026-13-01", "since", "Not a valid date value."),
        ("since=2026-11-05&until=2026-11-01", "until", "Must not be before since."),
        ("since=2024-01-01&until=2026-01-01", "until", "A period covers at most 366 days."),
        ("since=1969-12-31", "since", "Must be from 1970-01-01 to 9999-12-30."),
        ("until=9999-12-31", "until", "Must be from 1970-01-01 to 9999-12-30."),
        ("user_id=a%00b", "user_id", "Must not contain NUL characters."),
        ("user_id=" + "u" * 256, "user_id", "Use at most 255 characters."),
    ],
)
def test_choices_that_cannot_be_shown_are_explained(browser, seeded, query, field, error):
    response = browser.get(f"/insights?{query}")
    assert response.status_code == 422
    tree = main(response)
    if field:
        control = tree.one("input", name=field)
        assert control.attrs["aria-invalid"] == "true"
        assert tree.one(id=control.attrs["aria-describedby"]).text == error
    else:
        assert [p.text for p in tree.all("p", cls="field-error")] == [error]
    assert tree.all("table") == []
    assert tree.one("p", cls="empty").text == "Fix the choices above to see the figures."


def test_each_tenant_sees_its_own_figures(browser_for, seeded):
    acme = main(browser_for("acme", ("read",)).get(f"/insights?{PERIOD}"))
    sources = acme.one("table", cls="sources-table").one("tbody").all("tr")
    assert sorted(row.one("th").text for row in sources) == ["acme-secret.md", "handbook.md"]
    assert acme.one("dl").all("div")[2].one("dd").text == "1"  # answers
    down = links(acme.one("dl").all("div")[4].one("dd"))["1"]
    assert listed_titles(browser_for("acme", ("read",)).get(down)) == ["Acme's chat"]
    assert behind(down, tenant="acme")[0] == {"Acme's chat"}
