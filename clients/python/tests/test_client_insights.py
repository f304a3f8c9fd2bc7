"""client.insights against a real server: the typed answer holds exactly the server's JSON,
with figures worked out by hand from chats seeded through the API."""

import dataclasses
from datetime import UTC, date, datetime

import httpx
import pytest
from ragchat_client import (
    CitedSource,
    Insights,
    InsightsDay,
    ModelDay,
    Period,
    UnprocessableEntityError,
)


def as_json(value):
    """A typed answer back as the JSON it was read from: dicts, lists and ISO dates."""
    if dataclasses.is_dataclass(value):
        return {f.name: as_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [as_json(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


@pytest.fixture
def day(client, user_id):
    """The UTC day (the server's) on which the `user_id`'s chats were seeded:

    chat 1: a question; an answer citing refunds.md (0.82) and shipping.md, rated up; an
            answer citing refunds.md (0.35), rated down.
    chat 2: a question; an answer with no passage, rated down; an answer citing a url
            (0.6), not rated.
    """
    first = client.sessions.create(user_id=user_id, title="Refunds")
    client.messages.append(first.id, sender="user", content="How long do refunds take?")
    good = client.messages.append(
        first.id,
        sender="ai",
        content="Five working days.",
        context={
            "chunks": [
                {"source": "refunds.md", "score": 0.82, "text": "Five working days."},
                {"source": "shipping.md", "text": "Shipping is free."},
            ]
        },
        metadata={"model": "gpt-4o-mini", "latency_ms": "930", "prompt_tokens": "120"},
    )
    bad = client.messages.append(
        first.id,
        sender="ai",
        content="Ten days.",
        context={"chunks": [{"source": "refunds.md", "score": 0.35, "text": "…"}]},
        metadata={"model": "gpt-4o-mini", "latency_ms": "400", "completion_tokens": "9"},
    )
    client.feedback.set(first.id, good.id, rating="up")
    client.feedback.set(first.id, bad.id, rating="down")
    second = client.sessions.create(user_id=user_id, title="Pricing")
    client.messages.append(second.id, sender="user", content="What does it cost?")
    unfounded = client.messages.append(second.id, sender="ai", content="Nothing.")
    client.feedback.set(second.id, unfounded.id, rating="down")
    client.messages.append(
        second.id,
        sender="ai",
        content="See the pricing page.",
        context={"sources": [{"content": "…", "url": "https://example.com/pricing", "score": 0.6}]},
    )
    return first.created_at.astimezone(UTC).date()


def server_json(server, api_key, **params):
    """The server's answer to a plain GET, without the client."""
    response = httpx.get(
        f"{server.url}/api/insights", params=params, headers={"X-API-Key": api_key}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_the_typed_answer_is_the_servers_json(client, server, api_key, user_id, day, sent):
    sent.clear()
    found = client.insights(day, day, user_id=user_id, sources_order="share", sources=2)

    assert isinstance(found, Insights)
    assert dict(sent[0].url.params) == {
        "since": day.isoformat(),
        "until": day.isoformat(),
        "user_id": user_id,
        "sources_order": "share",
        "sources": "2",
    }
    expected = server_json(
        server, api_key, since=day, until=day, user_id=user_id, sources_order="share", sources=2
    )
    assert as_json(found) == expected
    assert found.period == Period(since=day, until=day)
    assert [type(d.date) for d in found.days] == [date]
    assert found.models and all(type(m.date) is date for m in found.models)


def test_figures_worked_out_by_hand(client, user_id, day):
    found = client.insights(day, day, user_id=user_id)

    assert found.user_id == user_id
    totals = found.totals
    assert (totals.conversations, totals.messages, totals.answers) == (2, 6, 4)
    assert (totals.rated_up, totals.rated_down, totals.without_passages) == (1, 2, 1)
    assert totals.down_share == pytest.approx(2 / 3)
    assert totals.without_passages_share == pytest.approx(1 / 4)
    assert found.days == (
        InsightsDay(
            date=day,
            conversations=2,
            messages=6,
            answers=4,
            rated_up=1,
            rated_down=2,
            down_share=totals.down_share,
            without_passages=1,
        ),
    )
    # Most answers rated down first, then the largest share down (none rated: last).
    assert found.sources == (
        CitedSource("refunds.md", None, answers=2, rated_up=1, rated_down=1, down_share=0.5),
        CitedSource("shipping.md", None, answers=1, rated_up=1, rated_down=0, down_share=0.0),
        CitedSource("https://example.com/pricing", "https://example.com/pricing", 1, 0, 0, None),
    )
    assert found.source_count == 3
    rated = {
        round(bucket.low, 1): (bucket.rated_up, bucket.rated_down)
        for bucket in found.retrieval.buckets
        if (bucket.rated_up, bucket.rated_down) != (0, 0)
    }
    assert rated == {0.8: (1, 0), 0.3: (0, 1)}
    assert (found.retrieval.no_passages_up, found.retrieval.no_passages_down) == (0, 1)
    assert (found.retrieval.unscored_up, found.retrieval.unscored_down) == (0, 0)
    # Only the answers with a model, latency or tokens; the percentiles of 400 and 930 ms.
    p50, p95 = pytest.approx(665.0), pytest.approx(903.5)
    assert found.models == (ModelDay(day, "gpt-4o-mini", 2, p50, p95, 120, 9),)


def test_the_source_list_is_cut_but_counts_them_all(client, user_id, day):
    found = client.insights(day, day, user_id=user_id, sources_order="answers", sources=1)

    assert [source.source for source in found.sources] == ["refunds.md"]
    assert found.source_count == 3


def test_dates_may_be_strings_and_default_to_the_last_30_days(client, user_id, day, sent):
    by_string = client.insights(day.isoformat(), day.isoformat(), user_id=user_id)
    sent.clear()
    recent = client.insights(user_id=user_id)

    assert by_string.totals.messages == 6
    assert "since" not in sent[0].url.params and "until" not in sent[0].url.params
    assert len(recent.days) == 30
    assert recent.period.until >= day
    assert recent.totals.messages == 6


def test_a_datetime_is_refused_before_sending(client, sent):
    with pytest.raises(ValueError, match="pass a date"):
        client.insights(datetime.now(UTC))
    assert sent == []


def test_until_before_since_is_unprocessable(client, received):
    with pytest.raises(UnprocessableEntityError) as caught:
        client.insights(date(2026, 11, 5), date(2026, 11, 1))

    error = caught.value
    assert error.status_code == 422
    assert error.detail == error.body["detail"]
    assert error.detail
    assert error.request_id == received[-1].headers["X-Request-ID"]
    assert list(error.errors) == ["until"]
    assert error.errors["until"] == ["Must not be before since."]


@pytest.mark.anyio
async def test_the_async_client_gives_the_same_answer(
    make_async_client, client, server, user_id, day
):
    async with make_async_client(server.url) as chat:
        found = await chat.insights(day, day, user_id=user_id, sources=2)
        with pytest.raises(UnprocessableEntityError) as caught:
            await chat.insights(day, date(2000, 1, 1))

    assert found == client.insights(day, day, user_id=user_id, sources=2)
    assert found.totals.answers == 4
    assert len(found.sources) == 2
    assert list(caught.value.errors) == ["until"]
