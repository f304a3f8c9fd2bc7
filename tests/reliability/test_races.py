"""Races on one session between appends, batch appends, renames and deletes, from real
threads on the app (tests/chats/test_concurrency.py covers appends racing appends).

Whatever interleaving the threads get, no request may fail with a 5xx, seqs stay unique
and consecutive (a deleted message leaves its gap), the counts stay right, and a session
deleted while messages are being added leaves no message behind.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from ragchat.extensions import db
from tests.support.database import API_KEY
from tests.support.figures import record

KEY = {"X-API-Key": API_KEY}
SINGLE_WRITERS, SINGLES_EACH = 3, 20
BATCH_WRITERS, BATCHES_EACH, BATCH_SIZE = 2, 8, 5
RENAMES = 20
DELETES = 15


class Calls:
    """Every request a thread made: (what, status, parsed body)."""

    def __init__(self, app):
        self.app = app
        self.made = []
        self.lock = threading.Lock()

    def __call__(self, what, method, url, json=None):
        response = self.app.test_client().open(url, method=method, json=json, headers=KEY)
        with self.lock:
            self.made.append((what, response.status_code))
        return response

    def statuses(self, what):
        return {status for made, status in self.made if made == what}

    def server_errors(self):
        return sum(1 for _, status in self.made if status >= 500)


def test_appends_batches_renames_and_deletes_on_one_session(app, make_session):
    sid = make_session()["id"]
    messages_url = f"/api/sessions/{sid}/messages"
    call = Calls(app)
    acknowledged, batches, deleted, renames = [], [], [], []

    def append_singles(worker):
        for n in range(SINGLES_EACH):
            response = call(
                "append", "POST", messages_url, {"sender": "user", "content": f"s{worker}-{n}"}
            )
            if response.status_code == 201:
                acknowledged.append(response.json["seq"])

    def append_batches(worker):
        for n in range(BATCHES_EACH):
            batch = [{"sender": "ai", "content": f"b{worker}-{n}-{k}"} for k in range(BATCH_SIZE)]
            response = call("batch", "POST", f"{messages_url}/batch", {"messages": batch})
            if response.status_code == 201:
                seqs = [m["seq"] for m in response.json["messages"]]
                batches.append(seqs)
                acknowledged.extend(seqs)

    def rename():
        for n in range(RENAMES):
            change = {
                "title": f"title {n}",
                "is_favorite": n % 2 == 0,
                "metadata": {"round": str(n)},
            }
            if call("rename", "PATCH", f"/api/sessions/{sid}", change).status_code == 200:
                renames.append(change)

    def delete_messages():
        while len(deleted) < DELETES:
            newest = call("read", "GET", f"{messages_url}?order=desc&limit=3").json
            for message in newest[1:2]:  # not the newest: the gap must stay inside the range
                if call("delete", "DELETE", f"{messages_url}/{message['id']}").status_code == 204:
                    deleted.append(message["seq"])

    jobs = [lambda w=w: append_singles(w) for w in range(SINGLE_WRITERS)]
    jobs += [lambda w=w: append_batches(w) for w in range(BATCH_WRITERS)]
    jobs += [rename, delete_messages]
    with ThreadPoolExecutor(len(jobs)) as pool:
        for done in [pool.submit(job) for job in jobs]:
            done.result()

    total = SINGLE_WRITERS * SINGLES_EACH + BATCH_WRITERS * BATCHES_EACH * BATCH_SIZE
    assert call.server_errors() == 0
    assert call.statuses("append") == call.statuses("batch") == {201}
    assert call.statuses("rename") == call.statuses("read") == {200}
    assert call.statuses("delete") == {204}
    assert sorted(acknowledged) == list(range(1, total + 1))
    assert all(seqs == list(range(seqs[0], seqs[0] + BATCH_SIZE)) for seqs in batches)

    stored = app.test_client().get(f"{messages_url}?limit=100", headers=KEY).json
    stored += (
        app.test_client()
        .get(f"{messages_url}?limit=100&after={stored[-1]['seq']}", headers=KEY)
        .json
    )
    assert [m["seq"] for m in stored] == sorted(set(acknowledged) - set(deleted))
    session = app.test_client().get(f"/api/sessions/{sid}", headers=KEY).json
    assert session["message_count"] == total - len(deleted)
    last = renames[-1]
    assert (session["title"], session["is_favorite"]) == (last["title"], last["is_favorite"])
    assert session["metadata"] == last["metadata"]
    record(
        "races_one_session",
        requests=len(call.made),
        server_errors=call.server_errors(),
        messages_acknowledged=len(acknowledged),
        messages_deleted=len(deleted),
    )


def test_deleting_sessions_while_messages_are_added_leaves_no_orphans(app, make_session):
    sessions = [make_session(f"user-{n}")["id"] for n in range(6)]
    call = Calls(app)
    gone = set()
    deadline = time.monotonic() + 60  # a thread that died must not leave the others spinning

    def running():
        return len(gone) < len(sessions) and time.monotonic() < deadline

    def append(worker):
        """Append to every session, singles and batches, until all of them are gone."""
        n = 0
        while running():
            for sid in sessions:
                n += 1
                if n % 3:
                    body, url = {"sender": "user", "content": f"w{worker}-{n}"}, ""
                else:
                    body = {
                        "messages": [
                            {"sender": "ai", "content": f"w{worker}-{n}-{k}"} for k in range(4)
                        ]
                    }
                    url = "/batch"
                call("append", "POST", f"/api/sessions/{sid}/messages{url}", body)

    def rename(worker):
        n = 0
        while running():
            for sid in sessions:
                n += 1
                call(
                    "rename",
                    "PATCH",
                    f"/api/sessions/{sid}",
                    {"title": f"t{worker}-{n}", "metadata": {"n": str(n)}},
                )

    def delete():
        for sid in sessions:
            appended = 0
            while appended < 5 and time.monotonic() < deadline:  # let messages pile up first
                # Between looks, a pause: polling flat out spent the key's rate limit (and,
                # on SQLite, held off the very appends it waited for).
                time.sleep(0.01)
                appended = (
                    app.test_client().get(f"/api/sessions/{sid}", headers=KEY).json["message_count"]
                )
            call("delete", "DELETE", f"/api/sessions/{sid}")
            gone.add(sid)

    jobs = [lambda w=w: append(w) for w in range(3)]
    jobs += [lambda w=w: rename(w) for w in range(2)] + [delete]
    with ThreadPoolExecutor(len(jobs)) as pool:
        for done in [pool.submit(job) for job in jobs]:
            done.result()

    assert call.server_errors() == 0
    assert call.statuses("append") == {201, 404}  # both sides of the race were seen
    assert call.statuses("rename") <= {200, 404}
    assert call.statuses("delete") == {204}
    for sid in sessions:
        assert (
            app.test_client().get(f"/api/sessions/{sid}/messages", headers=KEY).status_code == 404
        )
    with app.app_context():
        orphans = db.session.scalar(
            text(
                "SELECT count(*) FROM chat_messages m WHERE NOT EXISTS (SELECT 1 FROM "
                "chat_sessions s WHERE s.tenant_id = m.tenant_id AND s.id = m.session_id)"
            )
        )
        left = db.session.scalar(text("SELECT count(*) FROM chat_messages"))
    assert (orphans, left) == (0, 0)
    record(
        "races_delete_while_adding",
        requests=len(call.made),
        server_errors=call.server_errors(),
        sessions_deleted=len(gone),
        orphan_messages=orphans,
    )


def test_feedback_racing_message_deletes(app, make_session, add_message):
    sid = make_session()["id"]
    ids = [add_message(sid)["id"] for _ in range(30)]
    call = Calls(app)

    def rate():
        for mid in ids:
            call("rate", "PUT", f"/api/sessions/{sid}/messages/{mid}/feedback", {"rating": "up"})

    def delete():
        for mid in ids:
            call("delete", "DELETE", f"/api/sessions/{sid}/messages/{mid}")

    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(rate), pool.submit(delete)]:
            done.result()

    assert call.server_errors() == 0
    assert call.statuses("rate") <= {200, 404}
    assert call.statuses("delete") == {204}
    assert app.test_client().get(f"/api/sessions/{sid}", headers=KEY).json["message_count"] == 0
    record("races_feedback_vs_delete", requests=len(call.made), server_errors=call.server_errors())
