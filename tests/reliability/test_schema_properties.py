"""Property tests of the message and session schemas, with Hypothesis.

Any JSON at all, and objects that are nearly right (the right fields with random values),
must get a 2xx or a 4xx, never a 5xx; what was accepted must read back as sent (with the
documented normalisations: sender case and the assistant alias, a title's surrounding
space, defaults for what was left out); what was refused must change nothing.

PROPERTY_EXAMPLES sets the examples per property (CI uses the default).
"""

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ragchat.extensions import db
from tests.support.database import API_KEY, build_app
from tests.support.figures import record

PROPERTY_EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "60"))
SETTINGS = settings(
    max_examples=PROPERTY_EXAMPLES,
    deadline=None,
    database=None,  # no example database left in the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def json_of(strings):
    """Any JSON value whose strings (keys too) come from `strings`."""
    return st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | strings,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(strings, inner, max_size=4),
        max_leaves=16,
    )


# Strings with everything in them: NUL, lone surrogates, spaces of every kind.
texts = st.text(st.characters(exclude_categories=()), max_size=24)
json_values = json_of(texts)
# What a database can store: no NUL, no lone surrogates.
storable_texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"))
storable_json = json_of(storable_texts)
metadata_keys = st.from_regex(r"[A-Za-z0-9_.:-]{1,64}", fullmatch=True)
valid_metadata = st.dictionaries(
    metadata_keys, storable_texts.filter(lambda t: len(t) <= 512), max_size=16
)
any_metadata = valid_metadata | st.dictionaries(
    metadata_keys | texts, texts | json_values, max_size=18
)
valid_senders = st.sampled_from(["user", "ai", "system", "assistant", " AI ", "Assistant", "USER"])


def valid_or_nearly(valid, nearly):
    """Half valid objects with random values, half objects with a field or value wrong."""
    return st.one_of(valid, nearly)


messages = valid_or_nearly(
    st.fixed_dictionaries(
        {"sender": valid_senders, "content": storable_texts.filter(bool)},
        optional={
            "context": st.dictionaries(storable_texts, storable_json, max_size=4),
            "metadata": valid_metadata,
        },
    ),
    st.fixed_dictionaries(
        {
            "sender": valid_senders | st.sampled_from(["bot", ""]) | json_values,
            "content": texts | json_values,
        },
        optional={
            "context": st.dictionaries(texts, json_values, max_size=4) | json_values,
            "metadata": any_metadata | json_values,
            "unexpected": json_values,
        },
    ),
)
new_sessions = valid_or_nearly(
    st.fixed_dictionaries(
        {"user_id": storable_texts.filter(lambda t: 0 < len(t) <= 255)},
        optional={
            "title": storable_texts.filter(lambda t: 0 < len(t.strip()) <= 200),
            "metadata": valid_metadata,
        },
    ),
    st.fixed_dictionaries(
        {"user_id": texts | json_values},
        optional={
            "title": texts | json_values,
            "metadata": any_metadata | json_values,
            "unexpected": json_values,
        },
    ),
)
session_changes = valid_or_nearly(
    st.fixed_dictionaries(
        {},
        optional={
            "title": storable_texts.filter(lambda t: 0 < len(t.strip()) <= 200),
            "is_favorite": st.booleans(),
            "metadata": st.dictionaries(
                metadata_keys,
                st.none() | storable_texts.filter(lambda t: len(t) <= 512),
                max_size=6,
            ),
        },
    ),
    st.fixed_dictionaries(
        {},
        optional={
            "title": texts | json_values,
            "is_favorite": st.booleans() | json_values,
            "metadata": any_metadata | json_values,
            "unexpected": json_values,
        },
    ),
)

STATUSES = {}  # per property: how many examples got which class of status


@pytest.fixture(scope="module", autouse=True)
def figures():
    yield
    for name, counts in STATUSES.items():
        record(f"properties_{name}", **counts)


def answered(response, property_name):
    """The status, checked to be a success or the client's error (never ours)."""
    counts = STATUSES.setdefault(property_name, {"examples": 0, "2xx": 0, "4xx": 0, "5xx": 0})
    counts["examples"] += 1
    counts[f"{response.status_code // 100}xx"] += 1
    assert response.status_code < 500, response.get_data(as_text=True)
    return response.status_code


def same_json(sent, got):
    """Equal as JSON, where a number compares by its value: PostgreSQL's JSONB keeps a
    number's decimal value, not the float's spelling (1e300 reads back as 1000…0)."""
    if isinstance(sent, bool) or sent is None or isinstance(sent, str):
        return type(got) is type(sent) and got == sent
    if isinstance(sent, int | float):
        is_number = isinstance(got, int | float) and not isinstance(got, bool)
        return is_number and (float(got) == sent if isinstance(sent, float) else got == sent)
    if isinstance(sent, list):
        return isinstance(got, list) and len(got) == len(sent) and all(map(same_json, sent, got))
    return (
        isinstance(got, dict)
        and got.keys() == sent.keys()
        and all(same_json(value, got[key]) for key, value in sent.items())
    )


def sessions_of(api, user_id):
    """How many sessions a user id has, or None for one that cannot even be asked about."""
    if not isinstance(user_id, str) or not 0 < len(user_id) <= 255 or "\x00" in user_id:
        return None
    try:
        user_id.encode()
    except UnicodeEncodeError:  # a lone surrogate cannot be put in a URL
        return None
    return len(api.get("/api/sessions", query_string={"user_id": user_id, "size": 100}).json)


def post_json(client, url, value, method="POST"):
    return client.open(url, method=method, data=json.dumps(value), content_type="application/json")


@pytest.fixture(scope="module")
def unlimited_app(app, database_url):
    """The app on the run's database, without a rate limit that PROPERTY_EXAMPLES could hit."""
    unlimited = build_app(database_url, TESTING=True, RATE_LIMIT="1000000/minute")
    yield unlimited
    with unlimited.app_context():
        db.engine.dispose()


@pytest.fixture
def api(unlimited_app):
    """A client with a valid key (make_session uses it too)."""
    client = unlimited_app.test_client()
    client.environ_base["HTTP_X_API_KEY"] = API_KEY
    return client


@pytest.fixture
def sid(make_session):
    return make_session()["id"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/sessions"),
        ("PATCH", "/api/sessions/{sid}"),
        ("POST", "/api/sessions/{sid}/messages"),
        ("POST", "/api/sessions/{sid}/messages/batch"),
    ],
)
@SETTINGS
@given(body=json_values)
def test_any_json_gets_a_2xx_or_4xx(api, sid, method, path, body):
    status = answered(post_json(api, path.format(sid=sid), body, method), "any_json")
    if status >= 300 and "messages" in path:
        assert api.get(f"/api/sessions/{sid}").json["message_count"] == 0


@SETTINGS
@given(message=messages)
def test_messages_read_back_as_sent(api, make_session, message):
    sid = make_session()["id"]
    response = post_json(api, f"/api/sessions/{sid}/messages", message)
    accepted = answered(response, "messages") == 201
    assert api.get(f"/api/sessions/{sid}").json["message_count"] == int(accepted)
    if not accepted:
        assert response.status_code in (400, 422)
        return
    stored = api.get(f"/api/sessions/{sid}/messages/{response.json['id']}").json
    assert same_json(response.json, stored)  # 7.205759403792383e+16 reads back as 72…830
    sender = message["sender"].strip().lower()
    assert stored["sender"] == {"assistant": "ai"}.get(sender, sender)
    assert same_json(message["content"], stored["content"])
    assert same_json(message.get("context", {}), stored["context"])
    assert same_json(message.get("metadata", {}), stored["metadata"])
    assert (stored["seq"], stored["feedback"]) == (1, None)


@SETTINGS
@given(fields=new_sessions)
def test_sessions_read_back_as_sent(api, fields):
    user_id = fields["user_id"]
    earlier = sessions_of(api, user_id)
    response = post_json(api, "/api/sessions", fields)
    accepted = answered(response, "sessions") == 201
    if earlier is not None:
        assert sessions_of(api, user_id) == earlier + accepted
    if not accepted:
        assert response.status_code in (400, 422)
        return
    stored = api.get(response.headers["Location"]).json
    assert stored == response.json
    assert same_json(user_id, stored["user_id"])
    assert stored["title"] == (fields["title"].strip() if "title" in fields else "New chat")
    assert same_json(fields.get("metadata", {}), stored["metadata"])
    assert (stored["message_count"], stored["is_favorite"]) == (0, False)


@SETTINGS
@given(changes=session_changes)
def test_session_changes_apply_exactly_or_not_at_all(api, make_session, changes):
    before = make_session(title="Before", metadata={"keep": "k", "drop": "d"})
    response = post_json(api, f"/api/sessions/{before['id']}", changes, "PATCH")
    after = api.get(f"/api/sessions/{before['id']}").json
    if answered(response, "session_changes") != 200:
        assert response.status_code in (400, 422)
        assert after == before
        return
    assert after == response.json
    expected_metadata = {**before["metadata"], **changes.get("metadata", {})}
    expected_metadata = {k: v for k, v in expected_metadata.items() if v is not None}
    assert after["metadata"] == expected_metadata
    assert after["title"] == (changes["title"].strip() if "title" in changes else "Before")
    assert after["is_favorite"] == changes.get("is_favorite", False)
    assert after["updated_at"] == before["updated_at"]  # renaming is not activity


@pytest.mark.parametrize(
    ("url", "field", "limit"), [("/api/sessions", "title", 200), ("/api/keys", "name", 100)]
)
def test_length_limits_count_the_text_as_sent(api, url, field, limit):
    """Found by the spec fuzzer: a value over its documented maxLength was accepted when
    the characters past the limit were spaces (stripped before the check)."""
    body = {"user_id": "u"} if field == "title" else {}
    assert api.post(url, json={**body, field: "x" * limit + " "}).status_code == 422
    assert api.post(url, json={**body, field: " " + "x" * (limit - 2) + " "}).status_code == 201
