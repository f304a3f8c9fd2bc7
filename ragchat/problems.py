"""RFC 9457 problem details: the one shape of every error the API returns."""

from http import HTTPStatus

import marshmallow as ma
from flask import jsonify, request
from flask_smorest import Api

from ragchat.logs import current_request_id

PROBLEM_MIMETYPE = "application/problem+json"
API_PREFIX = "/api"


def is_api_request():
    """Under /api: answered with problem+json errors and never cached."""
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


class ProblemSchema(ma.Schema):
    """An error (RFC 9457); `errors` maps each invalid field to its messages."""

    type = ma.fields.String(metadata={"example": "about:blank"})
    title = ma.fields.String(metadata={"example": "Unprocessable Content"})
    status = ma.fields.Integer(metadata={"example": 422})
    detail = ma.fields.String(metadata={"example": "The request failed validation."})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        metadata={"example": {"title": ["Length must be between 1 and 200."]}},
    )
    request_id = ma.fields.String()


def problem(status, detail=None, *, errors=None, headers=None):
    """A problem+json response for `status`."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body["request_id"] = current_request_id()
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_MIMETYPE
    response.headers.update(headers or {})
    return response


def field_errors(messages):
    """Flatten webargs' {location: {field: [...]}} into {field: [...]}."""
    errors = {}
    for location, found in (messages or {}).items():
        if isinstance(found, dict):
            errors.update(found)
        else:
            errors[location] = found
    return errors


def problem_response(description):
    return {
        "description": description,
        "content": {PROBLEM_MIMETYPE: {"schema": ProblemSchema}},
    }


class ProblemApi(Api):
    """flask-smorest's Api, with errors documented and served as problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        """The app's own handlers (ragchat.errors) answer every error instead."""

    def _register_responses(self):
        for status in HTTPStatus:
            if status >= 400:
                self.spec.components.response(
                    status.name, problem_response(status.phrase), lazy=True
                )
        self.spec.components.response(
            self.DEFAULT_ERROR_RESPONSE_NAME, problem_response("Error"), lazy=True
        )
