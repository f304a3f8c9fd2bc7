"""A message's RAG context as a person reads it: the retrieved passages as cards (source,
score, text) and everything else the chatbot stored as pretty-printed JSON.

Context has no standard shape, so the common ones are recognised: a list under `chunks`,
`documents`, `sources` or `citations` whose items hold their text as `text`, `content` or
`page_content` (LangChain's documents). A card is labelled by `source` or `title` (in the
item or its `metadata`) or else by `url`, links to an http(s) `url`, and shows `score`,
`relevance_score` or `similarity`. Nothing is dropped: the item's other fields are listed
on its card, and what is not on a card is shown as JSON.

An AI message's tool calls (LangChain's `tool_calls`: name, args, id), kept in its `extra`,
are read here too.
"""

import json
from dataclasses import dataclass

PASSAGE_LISTS = ("chunks", "documents", "sources", "citations")
TEXT_KEYS = ("text", "content", "page_content")
LABEL_KEYS = ("source", "title")  # in the item, then in its metadata; else its url
SCORE_KEYS = ("score", "relevance_score", "similarity")
LINK_SCHEMES = ("http://", "https://")  # never javascript: or data: in an href


@dataclass(frozen=True)
class Passage:
    text: str
    label: str | None
    link: str | None
    score: str | None
    extra: dict  # the item's other fields, each value as display text


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: str  # as indented JSON


@dataclass(frozen=True)
class ReadableContext:
    passages: list
    rest: str | None  # the remaining context as indented JSON

    def __bool__(self):
        return bool(self.passages or self.rest)


def read_context(context):
    """Split a message's context into passages and the rest."""
    if not isinstance(context, dict):
        return ReadableContext([], None if context is None else pretty(context))
    passages, rest = [], {}
    for key, value in context.items():
        found, leftover = split_passages(value) if key in PASSAGE_LISTS else ([], value)
        passages.extend(found)
        if not found:
            rest[key] = value
        elif leftover:
            rest[key] = leftover
    return ReadableContext(passages, pretty(rest) if rest else None)


def split_passages(value):
    """The recognisable passages in a list, and the items that are not."""
    if not isinstance(value, list):
        return [], value
    passages, leftover = [], []
    for item in value:
        passage = as_passage(item)
        if passage is None:
            leftover.append(item)
        else:
            passages.append(passage)
    return passages, leftover


def as_passage(item):
    if not isinstance(item, dict):
        return None
    text_key = first_key(item, TEXT_KEYS, is_text)
    if text_key is None:
        return None
    metadata = item["metadata"] if isinstance(item.get("metadata"), dict) else {}
    label_key, metadata_label_key = label_keys(item, metadata)
    score_key = first_key(item, SCORE_KEYS, is_score)
    metadata_score_key = None if score_key else first_key(metadata, SCORE_KEYS, is_score)
    link = link_of(item)
    # What the card shows in its own places; metadata is spread out among the rest.
    shown = {
        text_key,
        label_key,
        score_key,
        "url" if link else None,
        "metadata" if metadata else None,
    }
    extra = {key: display(value) for key, value in item.items() if key not in shown}
    for key, value in metadata.items():
        if key not in (metadata_label_key, metadata_score_key):
            extra.setdefault(key if key not in item else f"metadata.{key}", display(value))
    score = item[score_key] if score_key else metadata.get(metadata_score_key)
    return Passage(
        text=item[text_key],
        label=item[label_key] if label_key else metadata.get(metadata_label_key),
        link=link,
        score=format_score(score) if score_key or metadata_score_key else None,
        extra=extra,
    )


def label_keys(item, metadata):
    """Where a passage's label is: a key of the item, or else one of its metadata."""
    label_key = first_key(item, LABEL_KEYS, is_text)
    metadata_label_key = None if label_key else first_key(metadata, LABEL_KEYS, is_text)
    if label_key is None and metadata_label_key is None and is_text(item.get("url")):
        label_key = "url"
    return label_key, metadata_label_key


def link_of(item):
    return item["url"] if is_link(item.get("url")) else None


@dataclass(frozen=True)
class Cited:
    """A retrieved passage reduced to what insights count: where it came from and its score."""

    label: str | None
    link: str | None
    score: float | None


def cited_passages(context):
    """The passages of a context as Cited, read the way read_context reads them (the same
    lists, text keys, labels and scores) without building the cards."""
    if not isinstance(context, dict):
        return []
    found = []
    for key in PASSAGE_LISTS:
        items = context.get(key)
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict) and first_key(item, TEXT_KEYS, is_text) is not None:
                found.append(cited(item))
    return found


def cited(item):
    metadata = item["metadata"] if isinstance(item.get("metadata"), dict) else {}
    label_key, metadata_label_key = label_keys(item, metadata)
    score_key = first_key(item, SCORE_KEYS, is_score)
    metadata_score_key = None if score_key else first_key(metadata, SCORE_KEYS, is_score)
    if score_key or metadata_score_key:
        score = float(item[score_key] if score_key else metadata[metadata_score_key])
    else:
        score = None
    return Cited(
        label=item[label_key] if label_key else metadata.get(metadata_label_key),
        link=link_of(item),
        score=score,
    )


def first_key(mapping, candidates, accept):
    return next((key for key in candidates if accept(mapping.get(key))), None)


def is_text(value):
    return isinstance(value, str) and value.strip() != ""


def is_link(value):
    return isinstance(value, str) and value.lower().startswith(LINK_SCHEMES)


def is_score(value):
    """A number that can be a score (no bool, NaN, infinity or integer too big for a float)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < 1e15


def format_score(value):
    """Two decimals, or three when the third one says something: 0.82, 0.823, 1.00."""
    text = f"{value:.3f}"
    return text[:-1] if text.endswith("0") else text


def display(value):
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def pretty(value):
    return json.dumps(value, indent=2, ensure_ascii=False)


def read_tool_calls(extra):
    """The tool calls an AI message made, from its `extra` (LangChain's shape)."""
    calls = extra.get("tool_calls") if isinstance(extra, dict) else None
    if not isinstance(calls, list):
        return []
    return [
        ToolCall(call["name"], pretty(call.get("args", {})))
        for call in calls
        if isinstance(call, dict) and is_text(call.get("name"))
    ]
