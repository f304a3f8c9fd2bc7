"""End-to-end fixtures: the real gunicorn on a fresh database, seeded with demo chats through
the HTTP API, and a headless Chromium driven by Playwright.

One server and one browser serve all the browser tests (they end with this package, so that
no Playwright event loop outlives them); every test gets fresh browser contexts
(no shared cookies). A page fails its test when it logs a JavaScript error, a Content
Security Policy violation or opens a dialog.

With RAGCHAT_SCREENSHOTS set to a folder, the set-up also saves the README's screenshots
of the seeded demo there.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.support.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LIST_VIEWPORT,
    Watched,
    sign_in,
    take_screenshots,
)
from tests.support.database import API_KEY, fresh_database
from tests.support.demo import Demo, seed
from tests.support.server import Server


@pytest.fixture(scope="package")
def demo(tmp_path_factory, browser):
    tmp_path = tmp_path_factory.mktemp("e2e")
    with fresh_database(tmp_path) as url:
        plain_url = url.replace("postgresql+psycopg://", "postgresql://")
        settings = {"DATABASE_URL": plain_url, "API_KEY": API_KEY, "WEB_CONCURRENCY": "2"}
        with Server(tmp_path, **settings) as server:
            demo = Demo(url=server.url, env=server.env)
            seed(demo, url)
            folder = os.environ.get("RAGCHAT_SCREENSHOTS")
            if folder:
                take_screenshots(browser, demo, Path(folder))
            yield demo


@pytest.fixture(scope="package")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="package")
def signed_in(browser, demo):
    """signed_in(key) -> the cookies of a browser that signed in with `key` through the form
    (once per key), for contexts that start signed in."""
    states = {}

    def state(key):
        if key not in states:
            context = browser.new_context(base_url=demo.url)
            sign_in(context.new_page(), key)
            states[key] = context.storage_state()
            context.close()
        return states[key]

    return state


@pytest.fixture
def open_page(browser, demo, signed_in):
    """open_page(key=None, path="/", javascript=True, viewport=...) -> a page in a fresh
    context; with a key, signed in with it and showing `path`. `page.watched` holds what
    the page reported."""
    contexts, watchers = [], []

    def open_(key=None, path="/", *, javascript=True, viewport=LIST_VIEWPORT):
        context = browser.new_context(
            base_url=demo.url,
            java_script_enabled=javascript,
            viewport=viewport,
            storage_state=signed_in(key) if key else None,
        )
        contexts.append(context)
        page = context.new_page()
        watched = Watched()
        page.on("console", watched.console)
        page.on("pageerror", watched.page_error)
        page.on("dialog", watched.dialog)
        page.watched = watched
        watchers.append(watched)
        if key:
            page.goto(path)
            expect(page).to_have_url(demo.url + path)  # not sent to sign in
        return page

    yield open_
    for context in contexts:
        context.close()
    problems = [problem for watched in watchers for problem in watched.problems]
    assert not problems, "the browser reported:\n" + "\n".join(problems)
