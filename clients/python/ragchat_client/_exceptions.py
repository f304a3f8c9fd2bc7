"""The errors the client raises: one class per status, two for transport failures."""

from __future__ import annotations

from typing import Any

import httpx

from ragchat_client._retries import parse_retry_after

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RagChatError",
    "RateLimitError",
    "UnprocessableEntityError",
]


class RagChatError(Exception):
    """Everything this client raises."""


class APIError(RagChatError):
    """A request that did not give a usable answer."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request


class APIConnectionError(APIError):
    """No answer: the connection failed or was lost (after every retry)."""


class APITimeoutError(APIConnectionError):
    """No answer in time (after every retry)."""


class APIResponseValidationError(APIError):
    """A 2xx answer whose body is not what the API documents."""

    def __init__(self, response: httpx.Response, message: str) -> None:
        super().__init__(message, request=response.request)
        self.response = response


class APIStatusError(APIError):
    """An error status, with the problem+json body (RFC 9457) the server sent."""

    def __init__(self, response: httpx.Response, body: Any) -> None:
        self.response = response
        self.status_code = response.status_code
        self.body = body
        problem = body if isinstance(body, dict) else {}
        self.title: str = str(problem.get("title") or response.reason_phrase)
        self.detail: str | None = problem.get("detail")
        self.request_id: str | None = problem.get("request_id") or response.headers.get(
            "X-Request-ID"
        )
        message = f"{self.status_code} {self.title}"
        if self.detail:
            message += f": {self.detail}"
        if self.request_id:
            message += f" (request {self.request_id})"
        super().__init__(message, request=response.request)

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers


class BadRequestError(APIStatusError):
    """400: the body is not valid JSON, or is empty."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, unknown, expired or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the API key lacks the scope (read, write or admin)."""


class NotFoundError(APIStatusError):
    """404: no such session, message, key or path in your tenant."""


class ConflictError(APIStatusError):
    """409: an Idempotency-Key reused with a different request, or a conversation key that
    another session (or another user's) already has."""


class UnprocessableEntityError(APIStatusError):
    """422: the request failed validation; `errors` names each field."""

    @property
    def errors(self) -> dict[str, Any]:
        """Field name → its messages (a list of strings; nested for nested fields)."""
        errors = self.body.get("errors") if isinstance(self.body, dict) else None
        return dict(errors) if isinstance(errors, dict) else {}


class RateLimitError(APIStatusError):
    """429: too many requests for this key; try again after `retry_after` seconds."""

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.response.headers.get("Retry-After"))


class InternalServerError(APIStatusError):
    """5xx: the server (or a gateway in front of it) failed."""


STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error(response: httpx.Response) -> APIStatusError:
    """The exception for an error response whose body has been read."""
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    if response.status_code >= 500:
        return InternalServerError(response, body)
    return STATUS_ERRORS.get(response.status_code, APIStatusError)(response, body)


def connection_error(error: httpx.TransportError) -> APIConnectionError:
    request = _request_of(error)
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(f"Request timed out: {error}", request=request)
    return APIConnectionError(f"Connection error: {error!r}", request=request)


def _request_of(error: httpx.TransportError) -> httpx.Request | None:
    try:
        return error.request
    except RuntimeError:  # raised by httpx when the error has no request attached
        return None
