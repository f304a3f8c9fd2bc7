"""What the review UI's tests share: browsers signed in with a key, and a chat with
retrieved passages."""

import pytest

from tests.support.database import API_KEY
from tests.support.html import redirected_to
from tests.support.web import sign_in


@pytest.fixture
def browser(app):
    """A browser signed in with an operator key: the default tenant, every scope."""
    client = app.test_client()
    assert redirected_to(sign_in(client, API_KEY)) == "/"
    return client


@pytest.fixture
def browser_for(app, issue_key):
    """browser_for(tenant, scopes) -> a browser signed in with a new stored key."""

    def make(tenant, scopes=("read", "write")):
        client = app.test_client()
        assert redirected_to(sign_in(client, issue_key(tenant, scopes))) == "/"
        return client

    return make


@pytest.fixture
def chat(make_session, add_message):
    """A session with a user question and an answer with retrieved chunks."""
    session = make_session("alice", title="Refund for a damaged jacket")
    add_message(session["id"], "Can I get a refund?")
    add_message(
        session["id"],
        "Yes, within 30 days.",
        sender="ai",
        context={
            "chunks": [{"source": "refunds.md", "score": 0.91, "text": "Refunds within 30 days."}],
            "model": "gpt-4o-mini",
        },
    )
    return session
