"""Security headers on every kind of response; docs pages that run under a strict CSP."""

import uuid
from html.parser import HTMLParser

import pytest

from ragchat.settings import ROOT
from tests.support.database import build_app

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}
HTML_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
REDOC_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; worker-src blob:"
)
OTHER_CSP = "default-src 'none'; frame-ancestors 'none'"
PROBLEM = "application/problem+json"
DOCS_PAGES = ("/api/docs", "/api/redoc")

# (method, path, with API key, JSON body, status, mimetype, expected CSP)
CASES = {
    "json-200": ("get", "/api/sessions?user_id=alice", True, None, 200, "application/json"),
    "health-200": ("get", "/api/health-check", False, None, 200, "application/json"),
    "json-201": ("post", "/api/sessions", True, {"user_id": "bob"}, 201, "application/json"),
    "empty-204": ("delete", "/api/sessions/{sid}", True, None, 204, None),
    "problem-401": ("get", "/api/sessions?user_id=alice", False, None, 401, PROBLEM),
    "problem-404-record": ("get", "/api/sessions/{missing}", True, None, 404, PROBLEM),
    "problem-404-route": ("get", "/api/no-such-route", True, None, 404, PROBLEM),
    "problem-405": ("delete", "/api/sessions", True, None, 405, PROBLEM),
    "problem-422": ("post", "/api/sessions", True, {"title": "x"}, 422, PROBLEM),
    "openapi-json": ("get", "/api/openapi.json", False, None, 200, "application/json"),
    "static-file": ("get", "/static/js/api-docs.js", False, None, 200, "text/javascript"),
    "swagger-ui": ("get", "/api/docs", False, None, 200, "text/html"),
    "redoc": ("get", "/api/redoc", False, None, 200, "text/html"),
    "html-404": ("get", "/no-such-page", False, None, 404, "text/html"),
}
EXPECTED_CSP = {"swagger-ui": HTML_CSP, "redoc": REDOC_CSP, "html-404": HTML_CSP}


@pytest.fixture
def sid(make_session):
    return make_session()["id"]


def assert_common_headers(response):
    for name, value in COMMON.items():
        assert response.headers.get(name) == value, (name, response.headers)


def directives(csp):
    return {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}


@pytest.mark.parametrize("case", CASES)
def test_every_kind_of_response_has_the_headers(client, api, sid, case):
    method, path, with_key, body, status, mimetype = CASES[case]
    http = api if with_key else client
    url = path.format(sid=sid, missing=uuid.uuid4())
    response = getattr(http, method)(url, json=body)

    assert response.status_code == status, response.get_data(as_text=True)
    if mimetype:
        assert response.mimetype == mimetype
    assert_common_headers(response)
    assert response.headers["Content-Security-Policy"] == EXPECTED_CSP.get(case, OTHER_CSP)
    if path.startswith("/api/"):
        assert response.headers["Cache-Control"] == "no-store"
    else:
        assert "no-store" not in response.headers.get("Cache-Control", "")


def test_unexpected_500_problem_has_the_headers(api, sid, monkeypatch):
    from ragchat.chats import sessions

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(sessions, "get_session", explode)
    response = api.get(f"/api/sessions/{sid}")
    assert response.status_code == 500
    assert response.mimetype == PROBLEM
    assert_common_headers(response)
    assert response.headers["Content-Security-Policy"] == OTHER_CSP
    assert response.headers["Cache-Control"] == "no-store"


# Values differ from ours where they can (nosniff has no other), so an overwrite or a
# second copy of a header shows.
OWN_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, max-age=60",
}


@pytest.fixture(scope="module")
def custom_app(database_url):
    """An app with views that choose their own headers, fail, or serve cached files."""
    app = build_app(database_url, TESTING=True)
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    app.add_url_rule("/own-headers", "own_headers", lambda: ("<p>mine</p>", OWN_HEADERS))
    app.add_url_rule("/api/own-headers", "api_own", lambda: ({"mine": True}, OWN_HEADERS))

    def fail():
        raise RuntimeError("boom")

    app.add_url_rule("/fail", "fail", fail)
    return app


@pytest.mark.parametrize("path", ["/own-headers", "/api/own-headers"])
def test_headers_a_view_chose_are_kept(custom_app, path):
    response = custom_app.test_client().get(path)
    assert response.status_code == 200
    for name, value in OWN_HEADERS.items():
        assert response.headers.get_all(name) == [value], name


def test_html_500_page_gets_the_strict_policy(custom_app):
    response = custom_app.test_client().get("/fail")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert_common_headers(response)
    assert response.headers["Content-Security-Policy"] == HTML_CSP


def test_static_files_keep_their_caching(custom_app):
    response = custom_app.test_client().get("/static/js/api-docs.js")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert_common_headers(response)


@pytest.mark.parametrize("path", [*DOCS_PAGES, "/no-such-page"])
def test_html_pages_never_allow_inline_scripts(client, path):
    policy = directives(client.get(path).headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["default-src"]


def test_only_redoc_gets_relaxed_styles(client):
    assert (
        "'unsafe-inline'"
        in directives(client.get("/api/redoc").headers["Content-Security-Policy"])["style-src"]
    )
    for path in ("/api/docs", "/no-such-page"):
        assert "unsafe" not in client.get(path).headers["Content-Security-Policy"]


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside each <script>."""

    def __init__(self, text):
        super().__init__()
        self.tags, self.scripts, self._in_script = [], [], False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append([dict(attrs), ""])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1][1] += data


@pytest.mark.parametrize("name", ["swagger_ui.html", "redoc.html"])
def test_our_docs_templates_replace_flask_smorests(app, name):
    with app.app_context():
        template = app.jinja_env.get_template(name)
    assert template.filename == str(ROOT / "templates" / name)


def docs_sources(client):
    """The rendered docs pages and the templates they come from."""
    for path in DOCS_PAGES:
        yield path, client.get(path).get_data(as_text=True)
    for name in ("swagger_ui.html", "redoc.html"):
        yield name, (ROOT / "templates" / name).read_text()


def test_docs_pages_have_no_inline_script(client):
    for source, text in docs_sources(client):
        parsed = Tags(text)
        assert len(parsed.scripts) >= 2, source  # the UI bundle and our starter script
        for attrs, code in parsed.scripts:
            assert attrs.get("src"), (source, attrs)
            assert not code.strip(), (source, code)
        for tag, attrs in parsed.tags:
            handlers = [name for name in attrs if name.startswith("on")]
            assert not handlers, (source, tag, handlers)
            assert not any("javascript:" in (value or "") for value in attrs.values()), source


@pytest.mark.parametrize("path", DOCS_PAGES)
def test_docs_pages_load_only_same_origin_assets(client, path):
    tags = Tags(client.get(path).get_data(as_text=True)).tags
    urls = [attrs[key] for _, attrs in tags for key in ("src", "href") if key in attrs]
    assert "/static/js/api-docs.js" in urls
    for url in urls:
        if url == "data:,":  # an empty favicon, so the browser asks for no other
            continue
        assert url.startswith("/") and not url.startswith("//"), url
        assert client.get(url).status_code == 200, url
    spec_urls = [attrs["data-spec-url"] for _, attrs in tags if "data-spec-url" in attrs]
    assert spec_urls == ["/api/openapi.json"]
