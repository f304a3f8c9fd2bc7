"""Feedback in the review UI: shown on the message, and a filter for chats rated down."""

import pytest

from tests.support.database import API_KEY, build_app


@pytest.fixture
def browser(database_url, app):
    ui = build_app(database_url, WTF_CSRF_ENABLED=False)
    client = ui.test_client()
    assert client.post("/sign-in", data={"api_key": API_KEY}).status_code == 302
    return client


def rate(api, session_id, message_id, rating, comment=None):
    body = {"rating": rating, **({"comment": comment} if comment else {})}
    url = f"/api/sessions/{session_id}/messages/{message_id}/feedback"
    assert api.put(url, json=body).status_code == 200


def test_feedback_shows_on_its_message(browser, api, make_session, add_message):
    session = make_session(title="Refunds")
    answer = add_message(session["id"], sender="ai", content="Five days.")
    other = add_message(session["id"], sender="ai", content="Ten days.")
    rate(api, session["id"], answer["id"], "down", comment="<b>Wrong</b> policy cited")
    rate(api, session["id"], other["id"], "up")

    html = browser.get(f"/sessions/{session['id']}").get_data(as_text=True)

    assert 'class="feedback feedback-down"' in html
    assert "Rated unhelpful" in html
    assert "&lt;b&gt;Wrong&lt;/b&gt; policy cited" in html  # escaped, as text
    assert 'class="feedback feedback-up"' in html
    assert "Rated helpful" in html


def test_unrated_messages_show_no_feedback(browser, make_session, add_message):
    session = make_session()
    add_message(session["id"], sender="ai")
    html = browser.get(f"/sessions/{session['id']}").get_data(as_text=True)
    assert 'class="feedback' not in html


def test_the_list_filters_chats_rated_down(browser, api, make_session, add_message):
    for title, rating in (("Went wrong", "down"), ("Went well", "up"), ("Unrated", None)):
        session = make_session(title=title)
        message = add_message(session["id"], sender="ai")
        if rating:
            rate(api, session["id"], message["id"], rating)

    everything = browser.get("/").get_data(as_text=True)
    rated_down = browser.get("/?rating=down").get_data(as_text=True)

    assert all(title in everything for title in ("Went wrong", "Went well", "Unrated"))
    assert "Went wrong" in rated_down
    assert "Went well" not in rated_down and "Unrated" not in rated_down
    assert '<select id="rating" name="rating">' in everything
    old_link = browser.get("/?rated_down=1").get_data(as_text=True)  # before the select
    assert "Went wrong" in old_link and "Went well" not in old_link
