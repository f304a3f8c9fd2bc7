"""Page arguments and the headers that carry pagination metadata."""

import json
from urllib.parse import urlencode

from flask import request, url_for
from flask_smorest import Blueprint
from marshmallow import Schema, fields, post_load
from marshmallow.validate import Range

from ragchat.rules import DEFAULT_PAGE_SIZE, MAX_PAGE, MAX_PAGE_SIZE

PAGINATION_HEADERS_DOC = {
    "X-Pagination": {
        "description": "Pagination metadata (total, total_pages, page, next_page, …) as JSON.",
        "schema": {"type": "string"},
    },
    "Link": {
        "description": 'RFC 8288 links to the first, prev, next and last pages (rel="next" '
        "only while there is more).",
        "schema": {"type": "string"},
    },
}

WINDOW_HEADERS_DOC = {
    "X-Pagination": {
        "description": '{"has_more": true|false} as JSON.',
        "schema": {"type": "string"},
    },
    "Link": {
        "description": 'RFC 8288 link rel="next" to the next page, while there is more.',
        "schema": {"type": "string"},
    },
}


class PageArgsSchema(Schema):
    page = fields.Integer(load_default=1, validate=Range(min=1, max=MAX_PAGE))
    size = fields.Integer(
        validate=Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": f"Items per page (default {DEFAULT_PAGE_SIZE})."},
    )
    page_size = fields.Integer(
        validate=Range(min=1, max=MAX_PAGE_SIZE), metadata={"description": "Alias of size."}
    )

    @post_load
    def settle_size(self, data, **kwargs):
        alias = data.pop("page_size", None)
        data["size"] = data.get("size") or alias or DEFAULT_PAGE_SIZE
        return data


def pagination_headers(page):
    """`X-Pagination` as flask-smorest writes it, plus an RFC 8288 `Link` header."""
    metadata = Blueprint._make_pagination_metadata(page.page, page.size, page.total)
    links = {"first": 1, "last": page.last_page}
    if page.page > 1:
        links["prev"] = min(page.page - 1, page.last_page)
    if page.has_next:
        links["next"] = page.page + 1
    link = ", ".join(
        f'<{page_url(number, page.size)}>; rel="{rel}"' for rel, number in links.items()
    )
    return {"X-Pagination": json.dumps(metadata), "Link": link}


def page_url(number, size):
    return this_url_with(dropped=("page", "size", "page_size"), page=number, size=size)


def this_url_with(dropped=(), **changes):
    """This request's URL with some query arguments replaced; the others kept as they came
    (built as a query string, so no argument name can collide with url_for's own)."""
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in (*dropped, *changes)]
    query = urlencode([*kept, *changes.items()])
    return f"{url_for(request.endpoint, **request.view_args, _external=True)}?{query}"


def window_headers(has_more, **next_position):
    """Headers for a keyset page: `Link: rel="next"` (with the position to continue from)
    while more follow, and `X-Pagination` saying whether they do."""
    headers = {"X-Pagination": json.dumps({"has_more": has_more})}
    if has_more:
        url = this_url_with(dropped=("page", "size"), **next_position)
        headers["Link"] = f'<{url}>; rel="next"'
    return headers


def limit_field():
    return fields.Integer(
        validate=Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": "Keyset paging: items per page (1-100; default 20)."},
    )
