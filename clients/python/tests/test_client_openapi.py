"""The client covers every operation of the server's OpenAPI document, sync and async."""

import inspect
from operator import attrgetter

import pytest
from ragchat_client import OPERATIONS, AsyncRagChat, RagChat

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
# Methods that hand back an iterator at once, on the async client too (used with async for).
ITERATOR_METHODS = {
    "sessions.list",
    "sessions.list_keyed",
    "messages.list",
    "search",
    "exports.iter_sessions",
}


@pytest.fixture(scope="module")
def spec_operations(server):
    with RagChat(server.url, "unused-for-the-spec") as chat:
        spec = chat.request("GET", "/api/openapi.json").json()
    return {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def test_every_operation_has_a_client_method(spec_operations):
    missing = sorted(spec_operations - set(OPERATIONS))
    assert missing == [], f"operations without a client method: {missing}"
    assert len(spec_operations) >= 20


def test_the_table_names_no_operation_the_server_lacks(spec_operations):
    assert sorted(set(OPERATIONS) - spec_operations) == []


@pytest.mark.parametrize("name", sorted(set(OPERATIONS.values())))
def test_each_named_method_exists_on_both_clients(name):
    sync_client = RagChat("http://127.0.0.1:9", "key")
    async_client = AsyncRagChat("http://127.0.0.1:9", "key")

    sync_method = attrgetter(name)(sync_client)
    async_method = attrgetter(name)(async_client)

    assert callable(sync_method)
    assert callable(async_method)
    assert not inspect.iscoroutinefunction(sync_method)
    assert inspect.iscoroutinefunction(async_method) == (name not in ITERATOR_METHODS)
    assert inspect.signature(sync_method).parameters.keys() == (
        inspect.signature(async_method).parameters.keys()
    )
    sync_client.close()


def test_every_resource_method_is_in_the_table():
    chat = RagChat("http://127.0.0.1:9", "key")
    named = set(OPERATIONS.values())
    for resource in ("sessions", "messages", "feedback", "exports", "users", "keys"):
        public = [m for m in dir(getattr(chat, resource)) if not m.startswith("_")]
        assert public
        for method in public:
            assert f"{resource}.{method}" in named
    chat.close()
