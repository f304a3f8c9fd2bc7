"""What insights count about an AI answer, read once when it is stored: how many passages
were retrieved for it, the best one's score, the sources it cited, and the usual metadata
(`model`, `latency_ms`, `prompt_tokens`, `completion_tokens`) as numbers. Kept in columns
and rows of their own (ChatMessage's, MessageSource), so a month of answers is summed by
the database without reading a single context."""

import math
from dataclasses import dataclass

from ragchat.chats.context import cited_passages
from ragchat.rules import MAX_INT32, SOURCE_LENGTH, SOURCE_URL_BYTES


@dataclass(frozen=True)
class AnswerFacts:
    passage_count: int | None = None  # None: not an answer (a user, system or tool message)
    best_score: float | None = None
    model: str | None = None
    latency_ms: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    sources: tuple = ()  # (label, link) of each source cited, once each, in order

    def columns(self):
        """The facts as ChatMessage's column values."""
        return {
            "passage_count": self.passage_count,
            "best_score": self.best_score,
            "model": self.model,
            "latency_ms": self.latency_ms,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
        }


NOT_AN_ANSWER = AnswerFacts()
FACT_COLUMNS = tuple(NOT_AN_ANSWER.columns())  # their names, in order


def facts_of(sender, context, metadata):
    """The facts of a message as it is stored; only an AI answer has any."""
    if sender != "ai":
        return NOT_AN_ANSWER
    passages = cited_passages(context)
    scores = [passage.score for passage in passages if passage.score is not None]
    metadata = metadata if isinstance(metadata, dict) else {}
    return AnswerFacts(
        passage_count=len(passages),
        best_score=max(scores) if scores else None,
        model=model_of(metadata.get("model")),
        latency_ms=milliseconds(metadata.get("latency_ms")),
        prompt_tokens=count(metadata.get("prompt_tokens")),
        completion_tokens=count(metadata.get("completion_tokens")),
        sources=sources_of(passages),
    )


def sources_of(passages):
    """Each labelled passage's source once (the first link seen for it); labels are cut to
    SOURCE_LENGTH characters, which is also how they are matched, and a link longer than
    SOURCE_URL_BYTES is not kept."""
    found = {}
    for passage in passages:
        label = passage.label.strip()[:SOURCE_LENGTH] if passage.label else ""
        if label and found.get(label) is None:
            found[label] = passage.link if is_short(passage.link) else None
    return tuple(found.items())


def is_short(link):
    return link is not None and len(link.encode("utf-8", "surrogatepass")) <= SOURCE_URL_BYTES


def model_of(value):
    return value.strip() or None if isinstance(value, str) else None


def milliseconds(value):
    """A latency given as a number or as the text of one; None for anything else."""
    number = as_number(value)
    return number if number is not None and 0 <= number < 1e12 else None


def count(value):
    """A token count given as a whole number or its text; None for anything else."""
    number = as_number(value)
    if number is None or not number.is_integer() or not 0 <= number <= MAX_INT32:
        return None
    return int(number)


def as_number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, int):
        value = float(value) if abs(value) < 1e15 else None
    return value if isinstance(value, float) and math.isfinite(value) else None
