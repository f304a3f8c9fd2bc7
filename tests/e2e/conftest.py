"""End-to-end fixtures: the real gunicorn on a fresh database, seeded with demo chats through
the HTTP API, and a headless Chromium driven by Playwright.

One server and one browser serve the whole run; every test gets fresh browser contexts
(no shared cookies). A page fails its test when it logs a JavaScript error, a Content
Security Policy violation or opens a dialog.

With RAGCHAT_SCREENSHOTS set to a folder, the set-up also saves the README's screenshots
of the seeded demo there.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect, sync_playwright

from ragchat.extensions import db
from ragchat.keys import issue_key
from tests.conftest import API_KEY, build_app, fresh_database
from tests.test_server import Server, call

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
CHAT_VIEWPORT = {"width": 1280, "height": 900}
LONG_CHAT_LENGTH = 120
BATCH = 100

# --- demo data ------------------------------------------------------------------------------

SUPPORT_PROMPT = (
    "You are the support assistant of Northwind Outfitters. Answer only from the retrieved "
    "policy excerpts, cite their sources and hand over to a person when unsure."
)


def chunk(source, score, text):
    return {"source": source, "score": score, "text": text}


# Each chat: (user id, title, favorite?, messages as (sender, content, context or None)).
DEMO_CHATS = [
    (
        "customer-1042",
        "Loyalty points not credited",
        False,
        [
            ("system", SUPPORT_PROMPT, None),
            (
                "user",
                "I bought hiking poles last week but my loyalty account still shows 1,250 "
                "points, the same as before.",
                None,
            ),
            (
                "ai",
                "Points for an order are credited once its return window has closed, which is "
                "30 days after delivery. Your poles were delivered on 14 November, so the 89 "
                "points will appear on 14 December.",
                {
                    "chunks": [
                        chunk(
                            "loyalty/earning-points.md#when-points-appear",
                            0.88,
                            "Points are credited when the return window of an order closes, "
                            "30 days after delivery.",
                        )
                    ],
                    "model": "gpt-4o-mini",
                },
            ),
        ],
    ),
    (
        "maria.lopez",
        "Refund for a damaged rain jacket",
        False,
        [
            ("system", SUPPORT_PROMPT, None),
            (
                "user",
                "Hi! My rain jacket arrived with a torn seam on the left sleeve. Can I get my "
                "money back instead of a replacement?",
                None,
            ),
            (
                "ai",
                "I'm sorry the jacket arrived damaged. Yes: damaged items can be refunded in "
                "full within 30 days of delivery, shipping included. Open a return from your "
                "order page, attach a photo of the seam, and the refund reaches your card "
                "within five working days of approval.",
                {
                    "chunks": [
                        chunk(
                            "policies/refunds.md#damaged-items",
                            0.91,
                            "Items that arrive damaged or defective can be returned within 30 "
                            "days of delivery for a full refund, including the original "
                            "shipping costs.",
                        ),
                        chunk(
                            "policies/refunds.md#processing-times",
                            0.84,
                            "Approved refunds are issued to the original payment method within "
                            "five working days.",
                        ),
                        chunk(
                            "help-center/returns/photo-evidence.html",
                            0.72,
                            "For damaged goods, attach at least one photo showing the damage "
                            "when you open the return from your order page.",
                        ),
                    ],
                    "model": "gpt-4o-mini",
                    "retrieval_ms": 42,
                },
            ),
            ("user", "Do I have to send the jacket back?", None),
            (
                "ai",
                "No. For damaged items under 150 € we don't need the item back; you may keep "
                "or recycle it.",
                {
                    "chunks": [
                        chunk(
                            "policies/refunds.md#keep-the-item",
                            0.86,
                            "Damaged items with a value under 150 € need not be sent back.",
                        )
                    ],
                    "model": "gpt-4o-mini",
                },
            ),
        ],
    ),
    (
        "jonas.weber",
        "Invoice with company VAT number",
        False,
        [
            (
                "user",
                "Can you reissue the invoice for order NW-58213 with our VAT number "
                "DE 293 114 857?",
                None,
            ),
            (
                "ai",
                "Done: a corrected invoice for NW-58213 with VAT number DE293114857 is on its "
                "way to the billing address on file.",
                {
                    "tool_calls": [
                        {"name": "lookup_order", "arguments": {"order_id": "NW-58213"}},
                        {
                            "name": "reissue_invoice",
                            "arguments": {"order_id": "NW-58213", "vat_id": "DE293114857"},
                        },
                    ],
                    "latency_ms": 812,
                    "guardrails": {"pii_redacted": True, "blocked": False},
                },
            ),
        ],
    ),
    (
        "customer-1042",
        "Change delivery address after ordering",
        False,
        [
            ("system", SUPPORT_PROMPT, None),
            (
                "user",
                "I just ordered a tent but entered my old address. Can I still change it?",
                None,
            ),
            (
                "ai",
                "Yes, as long as the order has not been packed. Go to Orders → Change address; "
                "this is possible for about two hours after ordering.",
                {
                    "documents": [
                        {
                            "page_content": "The delivery address can be changed from the "
                            "order page until the order is packed, usually within two hours.",
                            "metadata": {"source": "kb/shipping/address-changes.pdf", "page": 2},
                        },
                        {
                            "page_content": "Packed orders can be redirected by the carrier "
                            "for a fee of 4.90 €.",
                            "metadata": {"source": "kb/shipping/carriers.pdf", "page": 7},
                        },
                    ],
                    "retriever": "hybrid-bm25-embeddings",
                },
            ),
        ],
    ),
    (
        "priya.n",
        "Return window for sale items",
        True,
        [
            ("user", "Are items bought in the winter sale returnable?", None),
            (
                "ai",
                "Yes. Sale items have the same 30-day return window as everything else; only "
                "items marked “final sale” cannot be returned.",
                {
                    "chunks": [
                        chunk(
                            "policies/returns.md#sale-items",
                            0.89,
                            "Sale items can be returned within 30 days unless the product page "
                            "marks them as final sale.",
                        ),
                        chunk(
                            "policies/returns.md#return-window",
                            0.77,
                            "The return window is 30 days from delivery.",
                        ),
                    ],
                    "model": "gpt-4o-mini",
                },
            ),
        ],
    ),
    (
        "maria.lopez",
        "Warranty on hiking boots",
        False,
        [
            ("user", "The sole of my Trailmaster boots came loose after eight months.", None),
            (
                "ai",
                "Trailmaster boots have a two-year warranty against manufacturing defects, "
                "which includes soles coming loose. I've opened warranty case W-20931; you'll "
                "get a prepaid label by email.",
                {
                    "chunks": [
                        chunk(
                            "warranty/footwear.md#coverage",
                            0.93,
                            "Footwear is covered for two years against manufacturing defects, "
                            "including sole separation.",
                        )
                    ],
                    "model": "gpt-4o",
                },
            ),
        ],
    ),
]
# Ratings the end users gave, by chat title and seq.
DEMO_FEEDBACK = {
    "Loyalty points not credited": {
        3: {
            "rating": "down",
            "comment": "The app says points are added on delivery, not after 30 days.",
        }
    },
    "Refund for a damaged rain jacket": {3: {"rating": "up", "comment": "Quick and clear!"}},
}
LONG_CHAT = ("ops-oncall", "Nightly stock sync keeps timing out")
OTHER_TENANT_CHAT = ("acme-intern-7", "Acme onboarding checklist")
WAREHOUSES = ["Hamburg", "Leipzig", "Rotterdam", "Lyon", "Milan", "Gdańsk", "Vienna", "Aarhus"]
TABLES = ["orders", "stock_levels", "shipments", "returns", "price_lists"]


def long_chat_messages():
    """A realistic 120-message troubleshooting chat; every message names its place."""
    messages = [
        (
            "system",
            "You are the operations assistant. Answer from the runbooks and the job logs.",
            None,
        )
    ]
    for seq in range(2, LONG_CHAT_LENGTH):
        turn = seq // 2
        warehouse = WAREHOUSES[turn % len(WAREHOUSES)]
        table = TABLES[turn % len(TABLES)]
        seconds = 240 + (turn * 37) % 300
        if seq % 2 == 0:
            content = (
                f"Run {turn}: the {table} import for {warehouse} stopped after {seconds} s "
                "with “canceling statement due to statement timeout”."
            )
            messages.append(("user", content, None))
        else:
            batch = 500 + (turn % 4) * 250
            content = (
                f"The {table} import for {warehouse} commits every {batch} rows; at {seconds} s "
                f"it is still inside one batch. Lower the batch size for {warehouse} or give "
                "the sync role its own statement_timeout."
            )
            context = {
                "chunks": [
                    chunk(
                        "runbooks/nightly-sync.md#timeouts",
                        round(0.95 - (turn % 9) * 0.03, 2),
                        "Each batch of the nightly sync runs as one statement; its duration "
                        "grows with the batch size.",
                    )
                ],
                "model": "gpt-4o-mini",
            }
            messages.append(("ai", content, context))
    messages.append(("user", "All eight warehouses are green tonight. Thanks!", None))
    return messages


# --- server and seeding ---------------------------------------------------------------------


@dataclass
class Demo:
    """The running server and what was seeded into it."""

    url: str
    env: dict
    admin_key: str = API_KEY
    reviewer_key: str = ""  # tenant default, read scope only
    other_key: str = ""  # another tenant, read and write
    empty_key: str = ""  # a third tenant, without chats
    other_session: str = ""
    chats: dict = field(default_factory=dict)  # title -> session id

    def api(self, path, method="GET", body=None, key=None):
        return call(f"{self.url}/api{path}", method, body, key or self.admin_key)

    def create_chat(self, user_id, title, messages=(), key=None, favorite=False, feedback=None):
        """A session with its messages (sender, content, context); `feedback` rates some of
        them: {seq: {"rating": "up" or "down", "comment": …}}."""
        status, session = self.api("/sessions", "POST", {"user_id": user_id, "title": title}, key)
        assert status == 201, session
        path = f"/sessions/{session['id']}"
        bodies = [
            {"sender": sender, "content": content, **({"context": context} if context else {})}
            for sender, content, context in messages
        ]
        stored = []
        for start in range(0, len(bodies), BATCH):  # a batch appends at most 100
            status, batch = self.api(
                f"{path}/messages/batch", "POST", {"messages": bodies[start : start + BATCH]}, key
            )
            assert status == 201, batch
            stored.extend(batch["messages"])
        for seq, rating in (feedback or {}).items():
            message_id = stored[seq - 1]["id"]
            status, body = self.api(f"{path}/messages/{message_id}/feedback", "PUT", rating, key)
            assert status == 200, body
        if favorite:
            status, body = self.api(path, "PATCH", {"is_favorite": True}, key)
            assert status == 200, body
        return session["id"]

    def session(self, session_id, key=None):
        return self.api(f"/sessions/{session_id}", key=key)


def create_keys(database_url, instance_path, *keys):
    """Stored keys, one for each (tenant, name, scopes), issued as `flask keys create` does."""
    app = build_app(database_url, INSTANCE_PATH=instance_path)
    with app.app_context():
        secrets = [issue_key(tenant, name, scopes.split(","))[1] for tenant, name, scopes in keys]
        db.engine.dispose()
    return secrets


def seed(demo, database_url):
    demo.chats[LONG_CHAT[1]] = demo.create_chat(*LONG_CHAT, long_chat_messages())
    for user_id, title, favorite, messages in DEMO_CHATS:
        demo.chats[title] = demo.create_chat(
            user_id, title, messages, favorite=favorite, feedback=DEMO_FEEDBACK.get(title)
        )
    demo.reviewer_key, demo.other_key, demo.empty_key = create_keys(
        database_url,
        demo.env["INSTANCE_PATH"],
        ("default", "reviewer", "read"),
        ("acme", "acme support bot", "read,write"),
        ("globex", "globex pilot", "read"),
    )
    demo.other_session = demo.create_chat(
        *OTHER_TENANT_CHAT,
        [("user", "Where do I find the onboarding checklist?", None)],
        key=demo.other_key,
    )


@pytest.fixture(scope="session")
def demo(tmp_path_factory, browser):
    tmp_path = tmp_path_factory.mktemp("e2e")
    with fresh_database(tmp_path) as url:
        plain_url = url.replace("postgresql+psycopg://", "postgresql://")
        settings = {"DATABASE_URL": plain_url, "API_KEY": API_KEY, "WEB_CONCURRENCY": "2"}
        with Server(tmp_path, **settings) as server:
            demo = Demo(url=server.url, env=server.env)
            seed(demo, url)
            folder = os.environ.get("RAGCHAT_SCREENSHOTS")
            if folder:
                take_screenshots(browser, demo, Path(folder))
            yield demo


# --- the browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


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


@pytest.fixture(scope="session")
def signed_in(browser, demo):
    """signed_in(key) -> the cookies of a browser that signed in with `key` through the form
    (once per key), for contexts that start signed in."""
    states = {}

    def state(key):
        if key not in states:
            context = browser.new_context(base_url=demo.url)
            sign_in(context.new_page(), key)
            states[key] = context.storage_state()
            context.close()
        return states[key]

    return state


@pytest.fixture
def open_page(browser, demo, signed_in):
    """open_page(key=None, path="/", javascript=True, viewport=...) -> a page in a fresh
    context; with a key, signed in with it and showing `path`. `page.watched` holds what
    the page reported."""
    contexts, watchers = [], []

    def open_(key=None, path="/", *, javascript=True, viewport=LIST_VIEWPORT):
        context = browser.new_context(
            base_url=demo.url,
            java_script_enabled=javascript,
            viewport=viewport,
            storage_state=signed_in(key) if key else None,
        )
        contexts.append(context)
        page = context.new_page()
        watched = Watched()
        page.on("console", watched.console)
        page.on("pageerror", watched.page_error)
        page.on("dialog", watched.dialog)
        page.watched = watched
        watchers.append(watched)
        if key:
            page.goto(path)
            expect(page).to_have_url(demo.url + path)  # not sent to sign in
        return page

    yield open_
    for context in contexts:
        context.close()
    problems = [problem for watched in watchers for problem in watched.problems]
    assert not problems, "the browser reported:\n" + "\n".join(problems)


def sign_in(page, key, next_path=None):
    """Sign in through the form; returns the response to the form's submission."""
    page.goto("/sign-in" + (f"?next={quote(next_path, safe='')}" if next_path else ""))
    page.get_by_label("API key").fill(key)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Sign in").click()
    return navigation.value


def take_screenshots(browser, demo, folder):
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(base_url=demo.url, viewport=LIST_VIEWPORT)
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
    finally:
        context.close()


# --- helpers for the tests ------------------------------------------------------------------

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
