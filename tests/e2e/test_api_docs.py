"""The API's documentation runs under the pages' strict Content-Security-Policy."""

from playwright.sync_api import expect


def test_swagger_ui_renders_the_api_under_a_strict_policy(open_page):
    page = open_page()
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("ragchat")
    expect(page.locator(".opblock-summary-path", has_text="/api/sessions").first).to_be_visible()


def test_redoc_renders_the_api_without_leaving_this_server(open_page):
    page = open_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/redoc")
    expect(page.get_by_role("heading", name="Start a session").first).to_be_visible()
    assert all(url.startswith(("http://127.0.0.1", "data:", "blob:")) for url in requested)
