"""Request parsing: strict JSON bodies, and the blueprint class every API module uses."""

from flask_smorest import Blueprint, abort
from webargs.flaskparser import FlaskParser, is_json_request

from ragchat.jsontext import loads_strict


class JSONBodyParser(FlaskParser):
    """Bodies must be JSON (415 otherwise) and valid, strict JSON (400 otherwise).

    NaN, Infinity (which no database stores as JSON) and absurd nesting (RecursionError)
    are the client's mistake, not ours.
    """

    def _raw_load_json(self, req):
        if not is_json_request(req):
            abort(415, message="The request body must be JSON (Content-Type: application/json).")
        body = req.get_data(cache=True)
        limit = req.max_content_length
        if req.content_length is None and limit and len(body) >= limit:
            # A chunked body is cut at the limit without an error: refuse it, don't parse half.
            abort(413, message=f"The request body is larger than {limit} bytes.")
        if not body.strip():
            abort(400, message="The request body is empty; send a JSON object.")
        try:
            return loads_strict(body)
        except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError too
            abort(400, message="The request body is not valid JSON.")


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = JSONBodyParser()
