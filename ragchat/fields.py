"""Marshmallow fields for what the database must be able to store: the API's schemas and
the importer's records are built from these, so both check input the same way."""

from datetime import UTC

from marshmallow import ValidationError, fields
from marshmallow.validate import Length

from ragchat.models import SENDERS
from ragchat.rules import (
    CONVERSATION_KEY_LENGTH,
    MAX_METADATA_KEYS,
    MAX_METADATA_VALUE,
    METADATA_KEY,
    TITLE_LENGTH,
    USER_ID_LENGTH,
    conversation_key_problem,
    json_problem,
    metadata_problem,
    storable_problem,
)

SENDER_ALIASES = {"assistant": "ai"}


class Text(fields.String):
    """A string that any of our databases can store."""

    def __init__(self, *, strip=False, **kwargs):
        self.strip = strip
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = storable_problem(text)
        if problem:
            raise ValidationError(problem)
        if not self.strip:
            return text
        # The limits hold for the text as sent too (what the OpenAPI document promises):
        # 201 characters are refused even when the last one is a space.
        self._validate(text)
        return text.strip()


class Instant(fields.AwareDateTime):
    """An ISO 8601 time with its zone, as UTC (which every database stores); a time that
    would leave the calendar on the way there (year 1 at +14:00) is refused, not a 500."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise ValidationError("Out of range once converted to UTC.") from None


class StrictBoolean(fields.Boolean):
    """JSON true or false only (marshmallow would also take 1, "yes", "on"…)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("Must be true or false.")
        return value


class Sender(fields.String):
    """`user`, `ai`, `system` or `tool`, in any case; `assistant` is stored as `ai`."""

    def _deserialize(self, value, attr, data, **kwargs):
        sender = super()._deserialize(value, attr, data, **kwargs).strip().lower()
        sender = SENDER_ALIASES.get(sender, sender)
        if sender not in SENDERS:
            raise ValidationError(f"Must be one of: {', '.join(SENDERS)} (or assistant).")
        return sender


class JSONObject(fields.Dict):
    """A JSON object of bounded depth whose every key and string can be stored."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("Must be a JSON object.")
        problem = json_problem(value)
        if problem:
            raise ValidationError(problem)
        return value


class Metadata(fields.Dict):
    """The client's own string pairs: at most 16 keys of up to 64 characters (letters,
    digits, _ . : -), string values of up to 512 characters, as hosted chat APIs allow.
    With `removable`, a null value asks for the key to be removed (PATCH)."""

    def __init__(self, *, removable=False, **kwargs):
        self.removable = removable
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].setdefault(
            "example", {"model": "gpt-4o-mini", "retriever": "bm25+embeddings"}
        )
        kwargs["metadata"].update(
            maxProperties=MAX_METADATA_KEYS,
            propertyNames={"pattern": f"^{METADATA_KEY.pattern}$"},
        )
        values = fields.String(allow_none=removable, validate=Length(max=MAX_METADATA_VALUE))
        super().__init__(keys=fields.String(), values=values, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("Must be a JSON object.")
        if len(value) > MAX_METADATA_KEYS:
            raise ValidationError(f"At most {MAX_METADATA_KEYS} keys.")
        for key, item in value.items():
            problem = metadata_problem(key, item, self.removable)
            if problem:
                raise ValidationError(f"{key[:64]!r}: {problem}")
        return dict(value)


def title_field(**kwargs):
    """A session's title: stripped, 1 to TITLE_LENGTH characters as sent."""
    return Text(strip=True, validate=Length(min=1, max=TITLE_LENGTH), **kwargs)


class ConversationKey(Text):
    """A session's own name in the client's framework (a session or thread id)."""

    def _deserialize(self, value, attr, data, **kwargs):
        key = super()._deserialize(value, attr, data, **kwargs)
        problem = conversation_key_problem(key)
        if problem:
            raise ValidationError(problem)
        return key


def conversation_key_field(**kwargs):
    return ConversationKey(validate=Length(min=1, max=CONVERSATION_KEY_LENGTH), **kwargs)


def user_id_field(**kwargs):
    """An end user's id in the client's system."""
    return Text(validate=Length(min=1, max=USER_ID_LENGTH), **kwargs)
