"""Driving Debian's Chromium with Playwright: its flags, what a page must never report,
signing in through the form, the README's screenshots, and reading the chat list."""

import re
from urllib.parse import quote

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LIST_VIEWPORT = {"width": 1280, "height": 800}
# Every chart on the page drawn: each canvas holds its Chart.js chart (the insights page).
CHARTS_DRAWN = """() => {
    const canvases = [...document.querySelectorAll("main canvas")];
    return canvases.length > 0 && canvases.every(canvas => window.Chart?.getChart(canvas));
}"""
CHAT_VIEWPORT = {"width": 1280, "height": 900}


class Watched:
    """What a page reported that no page of ours should: errors, CSP violations, dialogs."""

    def __init__(self):
        self.problems = []
        self.dialogs = []
        self.allowed = []  # regular expressions of console errors a test expects

    def allow(self, pattern):
        self.allowed.append(re.compile(pattern))

    def console(self, message):
        text = message.text
        is_problem = message.type == "error" or "Content Security Policy" in text
        if is_problem and not any(pattern.search(text) for pattern in self.allowed):
            self.problems.append(f"console {message.type}: {text} ({message.location})")

    def page_error(self, error):
        self.problems.append(f"page error: {error}")

    def dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        self.problems.append(f"dialog {dialog.type}: {dialog.message}")
        dialog.dismiss()


def sign_in(page, key, next_path=None):
    """Sign in through the form; returns the response to the form's submission."""
    page.goto("/sign-in" + (f"?next={quote(next_path, safe='')}" if next_path else ""))
    page.get_by_label("API key").fill(key)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Sign in").click()
    return navigation.value


def take_screenshots(browser, demo, folder):
    folder.mkdir(parents=True, exist_ok=True)
    # Reduced motion: the charts are drawn at once, not caught halfway through growing.
    context = browser.new_context(
        base_url=demo.url, viewport=LIST_VIEWPORT, reduced_motion="reduce"
    )
    try:
        page = context.new_page()
        sign_in(page, demo.admin_key)
        page.goto("/")
        page.screenshot(path=folder / "sessions-list.png")
        page.set_viewport_size(CHAT_VIEWPORT)
        page.goto(f"/sessions/{demo.chats['Refund for a damaged rain jacket']}")
        page.screenshot(path=folder / "chat-view.png", full_page=True)
        page.set_viewport_size(LIST_VIEWPORT)
        page.goto("/search?q=refund+damaged")
        page.screenshot(path=folder / "search.png")
        page.goto("/insights")
        page.wait_for_function(CHARTS_DRAWN)
        # From the top to the first sources in the table: the figures asked for first.
        row = page.locator("table.sources-table tbody tr").nth(5).bounding_box()
        page.screenshot(
            path=folder / "insights.png",
            full_page=True,
            clip={
                "x": 0,
                "y": 0,
                "width": LIST_VIEWPORT["width"],
                "height": row["y"] + row["height"],
            },
        )
    finally:
        context.close()


SESSION_LINK = re.compile(r"/sessions/[0-9a-f-]{36}$")


def flash(page):
    """The flashed message(s) of a page."""
    return page.locator("[role=status].flash")


def row(page, title):
    """The list row holding a session's title link."""
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=title, exact=True))


def listed_titles(page):
    """The titles on a sessions list, top to bottom."""
    links = page.locator("main a[href*='/sessions/']").evaluate_all(
        "links => links.map(link => [link.getAttribute('href'), link.innerText])"
    )
    return [text.strip() for href, text in links if SESSION_LINK.search(href)]
