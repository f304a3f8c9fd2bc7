"""The insights page in Chromium, on the demo's four weeks of imported chats: the charts
drawn from the tables under the strict Content-Security-Policy, light and dark, a figure
(in the table or on the chart) opening exactly its chats, and the page without script."""

import re

from playwright.sync_api import expect

from tests.support.browser import CHARTS_DRAWN, SESSION_LINK

SOURCE = "kb/shipping/international.pdf"  # cited by the demo's history only


def listed_ids(page):
    hrefs = page.locator("main table.chat-list a").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    return [href.rsplit("/", 1)[1] for href in hrefs if SESSION_LINK.search(href)]


def rated_down_citing(history, source):
    """The ids of the history's chats with an answer citing `source` rated down."""
    return {
        record["id"]
        for record in history
        for message in record["messages"]
        if message["sender"] == "ai"
        and (message.get("feedback") or {}).get("rating") == "down"
        and source in [chunk["source"] for chunk in message["context"].get("chunks", [])]
    }


def test_the_charts_are_drawn_from_the_tables(open_page, demo):
    page = open_page(demo.admin_key, "/insights")
    page.wait_for_function(CHARTS_DRAWN)
    canvases = page.locator("main canvas")
    expect(canvases).to_have_count(6)
    for canvas in canvases.all():
        expect(canvas).to_have_attribute("role", "img")
        expect(canvas).to_have_attribute("aria-label", re.compile(r"\w.*: a chart of the table"))
        inked = canvas.evaluate(
            """canvas => {
                const pixels = canvas.getContext("2d")
                    .getImageData(0, 0, canvas.width, canvas.height).data;
                let inked = 0;
                for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) inked++;
                return inked;
            }"""
        )
        assert inked > 1000  # axes, labels and bars, not a blank canvas
    # The chart's numbers are the table's: the down column of the sources, for one.
    sources = page.locator("section[aria-labelledby=sources-title]")
    drawn = sources.locator("canvas").evaluate(
        "canvas => Chart.getChart(canvas).data.datasets[1].data"
    )
    column = sources.locator("tbody tr td:nth-of-type(3)").evaluate_all(
        "cells => cells.map(cell => Number(cell.dataset.value))"
    )
    assert len(column) > 10 and drawn == column[:10]  # the first ten sources are charted
    assert sum(drawn) > 0
    # With the chart drawn, the numbers per day fold away behind their summary.
    numbers = page.locator("details.numbers").first
    expect(numbers).not_to_have_attribute("open", "")
    numbers.locator("summary").click()
    expect(page.get_by_role("table", name="Conversations started and messages")).to_be_visible()
    assert page.watched.problems == []  # no error, no Content-Security-Policy violation


def test_a_sources_rated_down_figure_lists_its_chats(open_page, demo):
    expected = rated_down_citing(demo.history, SOURCE)
    assert 0 < len(expected) <= 20  # one page of the list
    page = open_page(demo.admin_key, "/insights")
    table = page.get_by_role("table", name="Answers citing each source")
    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=SOURCE))
    row.get_by_role("cell").nth(2).get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/\?.*rating=down"))
    expect(page.locator("p.active-filters")).to_contain_text(
        f"with an answer citing “{SOURCE}”, rated down, sent"
    )
    assert set(listed_ids(page)) == expected
    assert len(listed_ids(page)) == len(expected)


def test_a_bar_opens_the_chats_behind_it(open_page, demo):
    page = open_page(demo.admin_key, "/insights")
    page.wait_for_function(CHARTS_DRAWN)
    canvas = page.locator("section[aria-labelledby=sources-title] canvas")
    canvas.scroll_into_view_if_needed()
    point = canvas.evaluate(
        """(canvas, source) => {
            const chart = Chart.getChart(canvas);
            const bar = chart.getDatasetMeta(1).data[chart.data.labels.indexOf(source)];
            return bar.getCenterPoint(true);  // where it ends up, animated or not
        }""",
        SOURCE,
    )
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    expect(page).to_have_url(re.compile(r"/\?.*cites=kb/shipping/international\.pdf"))
    expect(page).to_have_url(re.compile(r"rating=down"))
    assert set(listed_ids(page)) == rated_down_citing(demo.history, SOURCE)


def test_the_charts_follow_the_colour_scheme(open_page, demo):
    page = open_page(demo.admin_key, "/insights")
    page.wait_for_function(CHARTS_DRAWN)
    colours = """() => [
        Chart.defaults.color, getComputedStyle(document.documentElement).backgroundColor
    ]"""
    light_text, light_page = page.evaluate(colours)
    page.emulate_media(color_scheme="dark")
    page.wait_for_function("light => Chart.defaults.color !== light", arg=light_text)
    page.wait_for_function(CHARTS_DRAWN)
    dark_text, dark_page = page.evaluate(colours)
    assert dark_text != light_text and dark_page != light_page


def test_without_javascript_the_tables_are_the_page(open_page, demo):
    page = open_page(demo.admin_key, "/insights", javascript=False)
    expect(page.locator("canvas")).to_have_count(0)
    for name in (
        "Conversations started and messages sent per day",
        "Answers, their ratings and answers without a passage per day",
        "Answers citing each source, and how they were rated",
        "Rated answers by the score of their best passage",
        "Latency of the answers per day, by model",
    ):
        expect(page.get_by_role("table", name=name)).to_be_visible()
    totals = page.locator("dl.totals")
    totals.locator("div").filter(has_text="Rated down").first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/\?.*rating=down"))
    expect(page.locator("p.active-filters")).to_contain_text("with an answer rated down, sent")
    assert listed_ids(page)
