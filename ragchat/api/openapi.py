"""OpenAPI settings and a plugin that documents the error responses of every operation."""

from http import HTTPStatus

from apispec import BasePlugin

from ragchat.auth.callers import API_KEY_HEADER

SECURITY_SCHEME = "ApiKeyAuth"
# Parameters a view documents by hand, added to (not, as flask-smorest's doc() would,
# instead of) the ones generated from its schemas.
EXTRA_PARAMETERS = "x-extra-parameters"

SPEC_SETTINGS = {
    "API_TITLE": "ragchat",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "/static/vendor/swagger-ui/",
    "OPENAPI_REDOC_PATH": "redoc",
    "OPENAPI_REDOC_URL": "/static/vendor/redoc/redoc.standalone.js",
    "API_SPEC_OPTIONS": {
        "info": {
            "description": "Chat history for RAG chatbots: sessions, messages and the "
            "retrieved context behind every answer. Errors are RFC 9457 problem+json.",
        },
        "components": {
            "securitySchemes": {
                SECURITY_SCHEME: {"type": "apiKey", "in": "header", "name": API_KEY_HEADER}
            }
        },
        "security": [{SECURITY_SCHEME: []}],
    },
}


class ErrorResponsesPlugin(BasePlugin):
    """Adds the errors any operation can answer, so no view has to list them by hand."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            extra = operation.pop(EXTRA_PARAMETERS, [])
            operation["parameters"] = [*operation.get("parameters", []), *extra]
            codes = [503]
            if operation.get("security") != []:
                codes += [401, 403, 429]
            if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])):
                codes.append(409)
            if "{" in path:
                codes.append(404)
            if "requestBody" in operation:
                codes += [400, 413, 415]
            if "requestBody" in operation or operation.get("parameters"):
                codes.append(422)
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, HTTPStatus(code).name)
