"""Fixtures: one real ragchat server (gunicorn, migrated database) for the whole run, a
fault-injecting proxy in front of it, and clients whose waits between retries are recorded
instead of slept.

The database is SQLite, or PostgreSQL when TEST_DATABASE_URL names a server. Tests share
the server, so each works on end users of its own (the `user_id` fixture).
"""

import uuid

import httpx
import pytest
from ragchat_client import AsyncRagChat, RagChat

from tests.support.database import API_KEY, OTHER_KEY, fresh_database
from tests.support.proxy import FaultProxy
from tests.support.server import Server

# High enough that the whole run never meets it; the rate-limit tests have their own server.
GENEROUS_RATE_LIMIT = "100000/minute"


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    scratch = tmp_path_factory.mktemp("server")
    with (
        fresh_database(scratch) as database_url,
        Server(
            scratch, DATABASE_URL=database_url, API_KEY=API_KEY, RATE_LIMIT=GENEROUS_RATE_LIMIT
        ) as running,
    ):
        yield running


@pytest.fixture(scope="session")
def limited_server(tmp_path_factory):
    """A server allowing 3 requests a minute per key; one worker, so one count."""
    scratch = tmp_path_factory.mktemp("limited")
    with (
        fresh_database(scratch) as database_url,
        Server(
            scratch,
            DATABASE_URL=database_url,
            API_KEY=f"{API_KEY},{OTHER_KEY}",  # two keys, two counts
            RATE_LIMIT="3/minute",
            WEB_CONCURRENCY="1",
        ) as running,
    ):
        yield running


@pytest.fixture(scope="session")
def running_proxy(server):
    with FaultProxy(server.url) as proxy:
        yield proxy


@pytest.fixture
def proxy(running_proxy):
    """The proxy in front of the server, with no faults and its counts at zero."""
    running_proxy.reset()
    yield running_proxy
    running_proxy.reset()


@pytest.fixture
def api_key():
    return API_KEY


@pytest.fixture
def user_id():
    """An end user no other test uses."""
    return f"user-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def sleeps():
    """The delays the client waited between tries (recorded, not slept)."""
    return []


@pytest.fixture
def record_sleep(sleeps):
    return sleeps.append


@pytest.fixture
def async_record_sleep(sleeps):
    async def record(delay):
        sleeps.append(delay)

    return record


@pytest.fixture
def sent():
    """Every request the counted clients sent, in order (an httpx event hook fills it)."""
    return []


@pytest.fixture
def received():
    """Every response the counted clients received, in order (before its body is read)."""
    return []


@pytest.fixture
def client(server, record_sleep, sent, received):
    """A client of the server whose requests and responses are recorded."""
    http = httpx.Client(event_hooks={"request": [sent.append], "response": [received.append]})
    with http, RagChat(server.url, API_KEY, http_client=http, sleep=record_sleep) as chat:
        yield chat


@pytest.fixture
def make_client(record_sleep, sent, received):
    """RagChat(url, ...) recording its requests in `sent`, its responses in `received`
    and its waits in `sleeps`."""
    made = []

    def make(url, key=API_KEY, **options):
        hooks = {"request": [sent.append], "response": [received.append]}
        http = httpx.Client(event_hooks=hooks)
        chat = RagChat(url, key, http_client=http, sleep=record_sleep, **options)
        made.append(http)
        return chat

    yield make
    for http in made:
        http.close()


@pytest.fixture
def make_async_client(async_record_sleep, sent, received):
    """AsyncRagChat(url, ...) recording its requests in `sent`, its responses in
    `received` and its waits in `sleeps`; use it with `async with`."""

    def make(url, key=API_KEY, **options):
        async def record_request(request):
            sent.append(request)

        async def record_response(response):
            received.append(response)

        hooks = {"request": [record_request], "response": [record_response]}
        http = httpx.AsyncClient(event_hooks=hooks)
        chat = AsyncRagChat(url, key, http_client=http, sleep=async_record_sleep, **options)
        return AsyncClientScope(chat, http)

    return make


class AsyncClientScope:
    """`async with` gives the client and closes its httpx client afterwards."""

    def __init__(self, chat, http):
        self.chat, self.http = chat, http

    async def __aenter__(self):
        return self.chat

    async def __aexit__(self, *exc):
        await self.chat.aclose()
        await self.http.aclose()


@pytest.fixture
def anyio_backend():
    return "asyncio"
