"""The rules every way in checks the same way — the API's schemas, the review UI's forms,
the importer and the command line: lengths and ranges, what text can be stored, metadata.
Each is defined here once."""

import re
import unicodedata

USER_ID_LENGTH = 255  # an end user's id in the client's system
CONVERSATION_KEY_LENGTH = 255  # a session's own name in the client's framework
TITLE_LENGTH = 200
KEY_NAME_LENGTH = 100  # an API key's name
COMMENT_LENGTH = 2000  # a feedback comment
SOURCE_LENGTH = 250  # a cited source's label, as insights count and match it
SOURCE_URL_BYTES = 1000  # a cited source's link, kept only up to this length in UTF-8
TENANT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MAX_INT32 = 2**31 - 1  # seqs and key ids are 32-bit integer columns: none lies beyond
MAX_SEQ = MAX_INT32
MAX_KEY_ID = MAX_INT32
MAX_DAYS = 3650  # the longest key lifetime and retention; keeps dates inside the calendar
MAX_CONTEXT_DEPTH = 20  # nesting of a context (or any JSON object we store)
MAX_BATCH = 100  # messages appended in one request
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000_000  # keeps OFFSET well inside a 64-bit integer

METADATA_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
MAX_METADATA_KEYS = 16
MAX_METADATA_VALUE = 512


def storable_problem(text):
    """Why PostgreSQL could not store `text`, or None. (NUL bytes and lone surrogates.)"""
    if "\x00" in text:
        return "Must not contain NUL characters."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "Must be valid Unicode text."
    return None


def user_id_problem(user_id):
    """Why `user_id` is not an end user's id, or None."""
    if not 1 <= len(user_id) <= USER_ID_LENGTH:
        return f"Length must be between 1 and {USER_ID_LENGTH}."
    return storable_problem(user_id)


def conversation_key_problem(key):
    """Why `key` cannot name a conversation, or None. A key travels in a URL path
    (/api/sessions/by-key/{key}): one that starts with '/' would be an empty path segment,
    and a control character (a line break, a tab) is no part of a path."""
    if not 1 <= len(key) <= CONVERSATION_KEY_LENGTH:
        return f"Length must be between 1 and {CONVERSATION_KEY_LENGTH}."
    if key.startswith("/"):
        return "Must not start with '/'."
    if any(unicodedata.category(character) == "Cc" for character in key):
        return "Must not contain control characters (line breaks, tabs)."
    return storable_problem(key)


def metadata_problem(key, value, removable=False):
    """Why a metadata pair cannot be stored, or None; with `removable`, a None value (which
    asks for the key's removal) is fine."""
    if not METADATA_KEY.fullmatch(key):
        return "keys are 1-64 letters, digits, '_', '.', ':' or '-'."
    if value is None and removable:
        return None
    if not isinstance(value, str):
        return "values are strings (null removes a key)." if removable else "values are strings."
    if len(value) > MAX_METADATA_VALUE:
        return f"values are at most {MAX_METADATA_VALUE} characters."
    return storable_problem(value)


def json_problem(value, depth=1):
    """Why a JSON value cannot be stored (too deep, unstorable text), or None."""
    if isinstance(value, str):
        return storable_problem(value)
    if isinstance(value, dict):
        children = [*value.keys(), *value.values()]
    elif isinstance(value, list):
        children = value
    else:
        return None
    if depth > MAX_CONTEXT_DEPTH:
        return f"Must not be nested deeper than {MAX_CONTEXT_DEPTH} levels."
    for child in children:
        problem = json_problem(child, depth + 1)
        if problem:
            return problem
    return None
