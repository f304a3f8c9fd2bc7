"""What chat frameworks need of messages: tool messages, their own fields kept as sent in
`extra`, and clearing a conversation's messages while keeping the conversation."""

import pytest

LANGCHAIN_AI = {
    "tool_calls": [{"name": "search_docs", "args": {"q": "refund policy", "k": 3}, "id": "call_1"}],
    "langchain": {
        "type": "ai",
        "data": {
            "content": [{"type": "text", "text": "Let me look."}],
            "additional_kwargs": {"refusal": None},
            "response_metadata": {"model_name": "gpt-4o-mini", "finish_reason": "tool_calls"},
            "id": "run-1",
            "usage_metadata": {"input_tokens": 12, "output_tokens": 3, "total_tokens": 15},
            "unicode": "ümlaut 🙂 \u2028",
        },
    },
}


def test_tool_messages_and_framework_fields_come_back_as_sent(api, make_session):
    sid = make_session()["id"]
    path = f"/api/sessions/{sid}/messages"
    answer = api.post(path, json={"sender": "ai", "content": "Let me look.", "extra": LANGCHAIN_AI})
    tool = api.post(
        path,
        json={
            "sender": "Tool",
            "content": "Refunds within 30 days.",
            "context": {"documents": [{"page_content": "Refunds within 30 days."}]},
            "extra": {"name": "search_docs", "tool_call_id": "call_1"},
        },
    )
    assert (answer.status_code, tool.status_code) == (201, 201)
    assert tool.json["sender"] == "tool"
    stored = api.get(path).json
    assert [(m["sender"], m["extra"]) for m in stored] == [
        ("ai", LANGCHAIN_AI),
        ("tool", {"name": "search_docs", "tool_call_id": "call_1"}),
    ]
    batch = api.post(
        f"{path}/batch",
        json={"messages": [{"sender": "tool", "content": "x", "extra": {"status": "error"}}]},
    )
    assert batch.json["messages"][0]["extra"] == {"status": "error"}
    assert [h["seq"] for h in api.get("/api/search?q=refunds&sender=tool").json] == [2]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([1, 2], "Must be a JSON object."),
        ("text", "Must be a JSON object."),
        ({"a": "nul\x00"}, "Must not contain NUL characters."),
        ({"deep": [[[[[[[[[[[[[[[[[[[[["too deep"]]]]]]]]]]]]]]]]]]]]]}, "nested deeper"),
    ],
)
def test_extra_that_cannot_be_stored_is_422_and_stores_nothing(api, make_session, extra, message):
    sid = make_session()["id"]
    response = api.post(
        f"/api/sessions/{sid}/messages", json={"sender": "ai", "content": "x", "extra": extra}
    )
    assert response.status_code == 422
    assert message in response.json["errors"]["extra"][0]
    assert api.get(f"/api/sessions/{sid}").json["message_count"] == 0


def test_clearing_a_conversation_keeps_it_and_never_reuses_a_seq(api, make_session, add_message):
    session = make_session(title="Kept", metadata={"channel": "web"})
    sid = session["id"]
    for n in range(3):
        add_message(sid, f"m{n}")
    cleared = api.delete(f"/api/sessions/{sid}/messages")
    assert cleared.status_code == 204
    after = api.get(f"/api/sessions/{sid}").json
    assert (after["title"], after["metadata"], after["message_count"]) == (
        "Kept",
        session["metadata"],
        0,
    )
    assert api.get(f"/api/sessions/{sid}/messages").json == []
    assert add_message(sid, "after")["seq"] == 4


def test_clearing_needs_a_session_of_ones_own_and_write(
    api, make_session, add_message, issue_key, as_key
):
    sid = make_session()["id"]
    add_message(sid)
    other = as_key(issue_key("acme"))
    reader = as_key(issue_key("default", scopes=("read",)))
    assert other.delete(f"/api/sessions/{sid}/messages").status_code == 404
    assert reader.delete(f"/api/sessions/{sid}/messages").status_code == 403
    assert (
        api.delete("/api/sessions/00000000-0000-0000-0000-000000000000/messages").status_code == 404
    )
    assert api.get(f"/api/sessions/{sid}").json["message_count"] == 1
