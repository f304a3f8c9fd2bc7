"""JSON through orjson where it reads and writes the same as the standard library, and
through the standard library everywhere else: every value comes back exactly."""

import json

import pytest

from ragchat import jsontext

EXACT = {
    "big": 10**30,
    "negative": -(10**25),
    "edge": 2**63,
    "below": 2**63 - 1,
    "float": 0.1,
    "tiny": 5e-324,
    "text": "ümlaut 🙂 \u2028 \x00",
    "nested": [[{"a": None, "b": True}]],
}


@pytest.mark.parametrize("document", [EXACT, [1, 2.5, "x"], 7, "plain"])
def test_reading_and_writing_match_the_standard_library(document):
    text = json.dumps(document)
    assert jsontext.loads(text) == json.loads(text)
    assert jsontext.loads(text.encode()) == json.loads(text)
    assert json.loads(jsontext.dumps(document)) == document
    assert type(jsontext.loads(json.dumps({"n": 10**30}))["n"]) is int


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", "[1e400]", '{"a": -Infinity}'])
def test_strict_reading_refuses_what_no_database_stores(text):
    with pytest.raises(ValueError):
        jsontext.loads_strict(text)


def test_strict_reading_takes_what_the_standard_library_takes():
    assert jsontext.loads_strict('{"n": 123456789012345678901234567890}') == {
        "n": 123456789012345678901234567890
    }
    assert jsontext.loads_strict("[1]".encode("utf-16")) == [1]
    assert jsontext.loads_strict('"\\ud800"') == "\ud800"  # judged later, by the schemas


def test_big_numbers_survive_a_round_trip_through_the_api(api, make_session):
    sid = make_session()["id"]
    sent = {"sender": "ai", "content": "x", "context": EXACT | {"text": "no NUL"}}
    stored = api.post(f"/api/sessions/{sid}/messages", json=sent)
    assert stored.status_code == 201
    (read,) = api.get(f"/api/sessions/{sid}/messages").json
    assert read["context"] == sent["context"]
    assert api.get(f"/api/sessions/{sid}/export").json["messages"][0]["context"] == read["context"]
