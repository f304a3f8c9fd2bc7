"""GET /api/insights against figures worked out by hand from seeded chats: every context
shape, answers without context, a deleted answer, an erased user and another tenant's
chats, which are never counted."""

import pytest

from tests.support.insight_records import ALICE, BOB, CAROL, DAVE, OTHER_TENANT, PERIOD
from tests.support.records import chunks, import_chats


@pytest.fixture
def seeded(app, api):
    import_chats(app, ALICE, BOB, CAROL, DAVE, OTHER_TENANT)
    deleted = api.delete(f"/api/sessions/{ALICE['id']}/messages/{ALICE['messages'][3]['id']}")
    assert deleted.status_code == 204
    assert api.delete("/api/users/dave").status_code == 200


def insights(api, query=PERIOD):
    response = api.get(f"/api/insights?{query}")
    assert response.status_code == 200, response.json
    return response.json


def test_days_count_conversations_messages_answers_and_ratings(api, seeded):
    found = insights(api)
    assert found["period"] == {"since": "2026-11-01", "until": "2026-11-03"}
    assert [
        (
            d["date"],
            d["conversations"],
            d["messages"],
            d["answers"],
            d["rated_up"],
            d["rated_down"],
            d["without_passages"],
            d["down_share"],
        )
        for d in found["days"]
    ] == [
        ("2026-11-01", 1, 2, 1, 0, 1, 0, 1.0),
        ("2026-11-02", 1, 3, 2, 1, 1, 0, 0.5),
        ("2026-11-03", 0, 3, 3, 0, 2, 1, 1.0),
    ]
    assert found["totals"] == {
        "conversations": 2,
        "messages": 8,
        "answers": 6,
        "rated_up": 1,
        "rated_down": 4,
        "down_share": 0.8,
        "without_passages": 1,
        "without_passages_share": pytest.approx(1 / 6),
    }


@pytest.mark.parametrize(
    ("order", "sources"),
    [
        ("down", ["handbook.md", "faq.md", "https://example.com/pricing", "Policy"]),
        ("share", ["faq.md", "https://example.com/pricing", "handbook.md", "Policy"]),
        ("answers", ["handbook.md", "faq.md", "https://example.com/pricing", "Policy"]),
    ],
)
def test_sources_are_counted_by_answer_and_rating_worst_first(api, seeded, order, sources):
    found = insights(api, f"{PERIOD}&sources_order={order}")
    assert [source["source"] for source in found["sources"]] == sources
    assert found["source_count"] == 4
    by_name = {source.pop("source"): source for source in found["sources"]}
    assert by_name["handbook.md"] == {
        "url": None,
        "answers": 3,
        "rated_up": 1,
        "rated_down": 2,
        "down_share": pytest.approx(2 / 3),
    }
    assert by_name["https://example.com/pricing"]["url"] == "https://example.com/pricing"
    assert (by_name["Policy"]["answers"], by_name["Policy"]["down_share"]) == (1, None)


def test_the_source_list_is_cut_but_counts_them_all(api, seeded):
    found = insights(api, f"{PERIOD}&sources=1")
    assert [s["source"] for s in found["sources"]] == ["handbook.md"]
    assert found["source_count"] == 4


def test_retrieval_compares_the_best_scores_of_answers_rated_up_and_down(api, seeded):
    retrieval = insights(api)["retrieval"]
    buckets = retrieval.pop("buckets")
    assert [(b["low"], b["high"]) for b in buckets][:2] == [(0.0, 0.1), (0.1, 0.2)]
    counted = {round(b["low"], 1): (b["rated_up"], b["rated_down"]) for b in buckets}
    assert {low: updown for low, updown in counted.items() if updown != (0, 0)} == {
        0.1: (0, 1),  # 0.1 starts its bucket
        0.5: (1, 0),
        0.9: (0, 1),  # the last bucket holds 1.0 too
    }
    assert retrieval == {
        "unscored_up": 0,
        "unscored_down": 1,
        "no_passages_up": 0,
        "no_passages_down": 1,
    }


def test_models_have_latency_percentiles_and_tokens_per_day(api, seeded):
    models = insights(api)["models"]
    assert [tuple(m.values()) for m in models] == [
        tuple(m.values())
        for m in [
            model_day("2026-11-01", "gpt-a", 1, 100.0, 100.0, 10, 5),
            model_day("2026-11-02", "gpt-a", 1, 300.0, 300.0, 20, 7),
            model_day("2026-11-02", "gpt-b", 1, 50.0, 50.0, 0, 0),
            model_day("2026-11-03", "gpt-a", 2, 300.0, 390.0, 7, 0),  # 200 and 400
        ]
    ]
    assert list(models[0]) == list(model_day("", "", 0, 0, 0, 0, 0))


def model_day(date, model, answers, p50, p95, prompt, completion):
    return {
        "answers": answers,
        "completion_tokens": completion,
        "date": date,
        "latency_p50_ms": pytest.approx(p50),
        "latency_p95_ms": pytest.approx(p95),
        "model": model,
        "prompt_tokens": prompt,
    }


def test_one_end_users_figures(api, seeded):
    found = insights(api, f"{PERIOD}&user_id=bob")
    assert [
        (d["conversations"], d["messages"], d["answers"], d["rated_down"]) for d in found["days"]
    ] == [
        (0, 0, 0, 0),
        (1, 2, 1, 1),
        (0, 2, 2, 1),
    ]
    assert [s["source"] for s in found["sources"]] == ["https://example.com/pricing", "Policy"]
    assert found["user_id"] == "bob"
    assert [m["model"] for m in found["models"]] == ["gpt-b", "gpt-a"]


def test_another_tenant_sees_only_its_own(api, seeded, as_key, issue_key):
    other = as_key(issue_key("other", scopes=("read",)))
    found = other.get(f"/api/insights?{PERIOD}").json
    assert found["totals"]["messages"] == 1 and found["totals"]["rated_down"] == 1
    assert [(s["source"], s["answers"]) for s in found["sources"]] == [("handbook.md", 1)]
    nobody = as_key(issue_key("empty", scopes=("read",))).get(f"/api/insights?{PERIOD}").json
    assert nobody["totals"]["messages"] == 0 and nobody["sources"] == []
    assert nobody["source_count"] == 0 and nobody["models"] == []


def test_the_default_period_is_the_last_30_days(api):
    days = insights(api, "")["days"]
    assert len(days) == 30 and days[0]["date"] < days[-1]["date"]


@pytest.mark.parametrize(
    "query",
    [
        "since=2026-11-05&until=2026-11-01",
        "since=2025-01-01&until=2026-11-01",
        "since=9999-12-31",
        "until=1969-12-31",
        "since=yesterday",
        "sources=0",
        "sources=101",
        "sources_order=worst",
        "user_id=",
    ],
)
def test_bad_periods_and_options_are_422(api, query):
    response = api.get(f"/api/insights?{query}")
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"


def test_insights_need_the_read_scope(client, as_key, issue_key):
    assert client.get("/api/insights").status_code == 401
    assert as_key(issue_key("default", scopes=("write",))).get("/api/insights").status_code == 403


def test_ratings_given_changed_and_cleared_later_count_for_the_sources(api, make_session):
    session_id = make_session()["id"]
    path = f"/api/sessions/{session_id}/messages"
    answer = api.post(path, json={"sender": "ai", "content": "a", "context": chunks(("x.md", 0.4))})
    feedback = f"{path}/{answer.json['id']}/feedback"

    def counted():
        (source,) = insights(api, "")["sources"]
        return source["answers"], source["rated_up"], source["rated_down"]

    assert counted() == (1, 0, 0)
    assert api.put(feedback, json={"rating": "down"}).status_code == 200
    assert counted() == (1, 0, 1)
    api.put(feedback, json={"rating": "up"})
    assert counted() == (1, 1, 0)
    assert api.delete(feedback).status_code in (200, 204)
    assert counted() == (1, 0, 0)


def test_scores_beyond_0_to_1_widen_the_buckets_to_whole_numbers(api, make_session):
    session_id = make_session()["id"]
    path = f"/api/sessions/{session_id}/messages"
    for score, rating in ((2.5, "up"), (-0.5, "down"), (0.2, "down")):
        answer = api.post(
            path, json={"sender": "ai", "content": "a", "context": chunks(("x", score))}
        )
        api.put(f"{path}/{answer.json['id']}/feedback", json={"rating": rating})
    buckets = insights(api, "")["retrieval"]["buckets"]
    assert (buckets[0]["low"], buckets[-1]["high"]) == (-1.0, 3.0)  # ten buckets of 0.4
    counted = [
        (b["low"], b["rated_up"], b["rated_down"])
        for b in buckets
        if b["rated_up"] or b["rated_down"]
    ]
    assert counted == [
        (-0.6, 0, 1),  # -0.5
        (0.2, 0, 1),  # 0.2
        (2.2, 1, 0),  # 2.5
    ]
