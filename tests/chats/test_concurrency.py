"""Concurrent appends: every message gets its own seq, contiguous from 1."""

from concurrent.futures import ThreadPoolExecutor

from tests.support.database import API_KEY

THREADS = 8
PER_THREAD = 15


def append_many(app, session_id, worker):
    client = app.test_client()
    statuses, seqs = [], []
    for n in range(PER_THREAD):
        response = client.post(
            f"/api/sessions/{session_id}/messages",
            json={"sender": "user", "content": f"w{worker}-{n}"},
            headers={"X-API-Key": API_KEY},
        )
        statuses.append(response.status_code)
        seqs.append(response.json.get("seq"))
    return statuses, seqs


def test_concurrent_appends_get_distinct_contiguous_seqs(app, api, make_session):
    session = make_session()

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda w: append_many(app, session["id"], w), range(THREADS)))

    statuses = [s for batch, _ in results for s in batch]
    seqs = sorted(q for _, batch in results for q in batch)
    total = THREADS * PER_THREAD
    assert statuses == [201] * total
    assert seqs == list(range(1, total + 1))
    stored = api.get(f"/api/sessions/{session['id']}/messages?size=100&page=2").json
    assert [m["seq"] for m in stored] == list(range(101, total + 1))
    # Within each writer, later messages got later seqs.
    for _, batch in results:
        assert batch == sorted(batch)


def test_concurrent_appends_to_different_sessions_do_not_interfere(app, make_session):
    sessions = [make_session(f"user{n}")["id"] for n in range(THREADS)]

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(
            pool.map(
                lambda pair: append_many(app, *pair), zip(sessions, range(THREADS), strict=True)
            )
        )

    for statuses, seqs in results:
        assert statuses == [201] * PER_THREAD
        assert seqs == list(range(1, PER_THREAD + 1))
