"""The demo the browser tests (and the README's screenshots) run on: support chats with
retrieved passages, a long chat, another tenant's chat, and keys of each kind, seeded
through a real server's HTTP API; and four weeks of earlier chats for insights, imported
with their own times (tests/support/history.py)."""

from dataclasses import dataclass, field

from ragchat.auth.keys import issue_key
from ragchat.extensions import db
from tests.support.database import API_KEY, build_app
from tests.support.history import seed_history
from tests.support.server import call

LONG_CHAT_LENGTH = 120
BATCH = 100  # the most one batch append takes

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
    history: list = field(default_factory=list)  # the imported chats of the weeks before

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
        db.session.commit()
        db.engine.dispose()
    return secrets


def seed(demo, database_url):
    demo.history = seed_history(database_url, demo.env["INSTANCE_PATH"])
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
