"""What the domain raises when a request cannot be carried out. Every way in turns these
into its own answer: a problem+json in the API, a page in the review UI, a message on the
command line (see ragchat.errors for the first two)."""


class RecordNotFound(LookupError):
    """The record does not exist (or is not the caller's to see)."""

    what = "Record"

    def __init__(self, message=None):
        super().__init__(message or f"{self.what} not found.")


class SessionNotFound(RecordNotFound):
    what = "Session"


class MessageNotFound(RecordNotFound):
    what = "Message"


class KeyNotFound(RecordNotFound):
    what = "Key"


class InvalidInput(ValueError):
    """Input the schemas could not judge alone (a cursor, metadata after merging); answered
    as a 422 naming the field."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


class Conflict(ValueError):
    """The request contradicts what is stored (a conversation key another session has, or
    that names another user's session); answered as a 409."""


class KeyNotActive(ValueError):
    """Rotation would bring a revoked or expired key back to life."""
