"""The review UI's error pages (404, 405, 500, 503) in the layout, while the API's errors
stay problem+json."""

import uuid

import pytest

from ragchat.security import HTML_CSP
from tests.support.database import API_KEY, build_app
from tests.support.html import page, redirected_to
from tests.support.web import sign_in


@pytest.mark.parametrize(
    "path", [f"/sessions/{uuid.uuid4()}", "/sessions/not-a-uuid", "/no-such-page"]
)
def test_unknown_pages_are_the_404_page(browser, path):
    response = browser.get(path)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    tree = page(response)
    assert tree.one("title").text == "404 Not Found · ragchat"
    assert "the address is wrong, or the chat was deleted" in tree.one("main").text


@pytest.fixture(scope="module")
def failing_app(database_url):
    app = build_app(database_url, TESTING=True)

    def fail():
        raise RuntimeError("boom: secret internals")

    app.add_url_rule("/fail", "fail", fail)
    app.add_url_rule("/api/fail", "api_fail", fail)
    return app


def test_an_unexpected_error_is_a_500_page_in_the_layout_and_logged(failing_app, caplog):
    response = failing_app.test_client().get("/fail")

    assert response.status_code == 500
    assert response.mimetype == "text/html"
    tree = page(response)
    assert tree.one("html").attrs["lang"] == "en"
    assert tree.one("title").text == "500 Internal Server Error · ragchat"
    assert tree.one("h1").text == "Internal Server Error"
    assert "Something went wrong on our side" in tree.one("main").text
    assert tree.all("link", href="/static/css/ragchat.css")
    assert "secret internals" not in response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"] == HTML_CSP
    (record,) = [r for r in caplog.records if r.getMessage() == "unhandled error on GET /fail"]
    assert record.exc_info and "boom: secret internals" in str(record.exc_info[1])


def test_api_errors_stay_problem_json(failing_app):
    client = failing_app.test_client()
    for path, status in (("/api/fail", 500), ("/api/no-such-route", 404)):
        response = client.get(path)
        assert (response.status_code, response.mimetype) == (status, "application/problem+json")
        assert response.json["status"] == status


def test_a_wrong_method_is_a_405_page_with_allow(browser):
    response = browser.put("/users")
    assert response.status_code == 405
    assert page(response).one("h1").text == "Method Not Allowed"
    assert "GET" in response.headers["Allow"]


def test_a_database_outage_is_a_503_page(tmp_path):
    down = build_app(f"sqlite:///{tmp_path / 'missing-folder' / 'ragchat.db'}", TESTING=True)
    client = down.test_client()
    assert redirected_to(sign_in(client, API_KEY)) == "/"  # operator keys need no database

    response = client.get("/")

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 5  # the rate limiter may ask for longer
    tree = page(response)
    assert tree.one("h1").text == "Service Unavailable"
    assert "The database is unavailable" in tree.one("main").text
    assert tree.one("div", cls="signed-in")  # the layout, drawn without the database
