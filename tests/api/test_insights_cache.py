"""The tenant's settled days are counted once and kept: every write that can change a
settled day's figures makes the kept ones out of date, so what insights answer is always
what counting afresh gives."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, text

from ragchat.chats.retention import purge
from ragchat.extensions import db
from ragchat.models import InsightDay
from tests.support.insight_records import ALICE, BOB, CAROL, PERIOD
from tests.support.records import chat, chunks, import_chats, message

QUERY = f"{PERIOD}&sources=100"


@pytest.fixture
def seeded(app):
    import_chats(app, ALICE, BOB, CAROL)


def kept_days(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(InsightDay))


def counted_afresh(app, api, query=QUERY):
    """The figures with nothing kept (and then kept again)."""
    with app.app_context():
        db.session.execute(delete(InsightDay))
        db.session.commit()
    return api.get(f"/api/insights?{query}").json


def test_settled_days_are_kept_and_read_back(app, api, seeded):
    first = api.get(f"/api/insights?{QUERY}").json
    assert kept_days(app) == 3
    with app.app_context():  # behind ragchat's back: the kept figures are what answers
        db.session.execute(text("UPDATE chat_messages SET feedback_rating = NULL"))
        db.session.commit()
    assert api.get(f"/api/insights?{QUERY}").json == first
    assert counted_afresh(app, api)["totals"]["rated_down"] == 0


def test_today_and_yesterday_are_always_counted_afresh(app, api, make_session, add_message):
    today = datetime.now(UTC).date()
    query = f"since={today - timedelta(days=3)}&until={today}"
    api.get(f"/api/insights?{query}")
    assert kept_days(app) == 2  # three and two days ago
    add_message(make_session()["id"], sender="ai", context=chunks(("new.md", 0.5)))
    found = api.get(f"/api/insights?{query}").json
    assert found["totals"]["answers"] == 1 and found["sources"][0]["source"] == "new.md"


def answer_of(record, seq):
    return f"/api/sessions/{record['id']}/messages/{record['messages'][seq - 1]['id']}"


def rate(api):
    assert api.put(f"{answer_of(BOB, 4)}/feedback", json={"rating": "down"}).status_code == 200


def unrate(api):
    assert api.delete(f"{answer_of(ALICE, 2)}/feedback").status_code == 200


def delete_answer(api):
    assert api.delete(answer_of(CAROL, 2)).status_code == 204


def empty_chat(api):
    assert api.delete(f"/api/sessions/{BOB['id']}/messages").status_code == 204


def delete_chat(api):
    assert api.delete(f"/api/sessions/{ALICE['id']}").status_code == 204


def erase_user(api):
    assert api.delete("/api/users/bob").status_code == 200


def purge_old_chats(api):
    with api.application.app_context():
        assert purge(datetime(2026, 11, 3, tzinfo=UTC)).sessions == 1  # alice's
        db.session.remove()


def import_more(api):
    late = message("ai", "2026-11-02T08:00:00Z", context=chunks(("new.md", 0.7)), rating="down")
    import_chats(api.application, chat("Erin's chat", "erin", "2026-11-02T08:00:00Z", late))


@pytest.mark.parametrize(
    "change",
    [
        rate,
        unrate,
        delete_answer,
        empty_chat,
        delete_chat,
        erase_user,
        purge_old_chats,
        import_more,
    ],
)
def test_a_change_to_a_settled_day_is_counted(app, api, seeded, change):
    before = api.get(f"/api/insights?{QUERY}").json
    assert kept_days(app) == 3
    change(api)
    after = api.get(f"/api/insights?{QUERY}").json
    assert after != before  # each change moves some figure of these days
    assert after == counted_afresh(app, api)


def test_deleting_a_chat_whose_messages_lie_beyond_its_own_dates_is_counted(app, api, seeded):
    """An imported chat's messages need not lie between its start and last activity: the
    days of its messages change when it goes, not those of its own dates."""
    answer = message("ai", "2026-11-03T12:00:00Z", context=chunks(("odd.md", 0.5)), rating="up")
    odd = chat("Odd dates", "frank", "2026-11-01T07:00:00Z", answer)
    odd["updated_at"] = odd["created_at"]
    import_chats(app, odd)
    before = api.get(f"/api/insights?{QUERY}").json
    assert api.delete(f"/api/sessions/{odd['id']}").status_code == 204
    after = api.get(f"/api/insights?{QUERY}").json
    assert after["totals"]["rated_up"] == before["totals"]["rated_up"] - 1
    assert after == counted_afresh(app, api)
