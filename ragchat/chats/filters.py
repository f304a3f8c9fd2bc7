"""Narrowing the chat list to the chats behind a figure: those with a message that was sent
in a period, by a sender, rated so, citing a source, answered by a model, or retrieved with
a best passage score in a range — all by the same message."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists

from ragchat.models import ChatMessage, ChatSession, MessageSource

RETRIEVALS = ("none", "unscored")  # answers with no passage; with passages but no score


@dataclass(frozen=True)
class MessageMatch:
    """What one message of a chat must be; None (or False) leaves a part open."""

    since: datetime | None = None
    until: datetime | None = None  # exclusive
    sender: str | None = None
    rating: str | None = None  # up, down, or any (rated at all)
    cites: str | None = None  # a source's label, as insights count it
    model: str | None = None
    retrieval: str | None = None  # one of RETRIEVALS
    score_from: float | None = None  # the best passage score, from (inclusive)
    score_to: float | None = None  # to (exclusive)

    def __bool__(self):
        return any(value is not None for value in vars(self).values())


def has_message(match):
    """The condition on a ChatSession row: one of its messages meets `match`."""
    conditions = [
        ChatMessage.tenant_id == ChatSession.tenant_id,
        ChatMessage.session_id == ChatSession.id,
    ]
    if match.since is not None:
        conditions.append(ChatMessage.created_at >= match.since)
    if match.until is not None:
        conditions.append(ChatMessage.created_at < match.until)
    if match.sender is not None:
        conditions.append(ChatMessage.sender == match.sender)
    if match.rating == "any":
        conditions.append(ChatMessage.feedback_rating.is_not(None))
    elif match.rating is not None:
        conditions.append(ChatMessage.feedback_rating == match.rating)
    if match.model is not None:
        conditions.append(ChatMessage.model == match.model)
    if match.retrieval == "none":
        conditions.append(ChatMessage.passage_count == 0)
    elif match.retrieval == "unscored":
        conditions += [ChatMessage.passage_count > 0, ChatMessage.best_score.is_(None)]
    if match.score_from is not None:
        conditions.append(ChatMessage.best_score >= match.score_from)
    if match.score_to is not None:
        conditions.append(ChatMessage.best_score < match.score_to)
    if match.cites is not None:
        conditions.append(
            exists().where(
                MessageSource.tenant_id == ChatMessage.tenant_id,
                MessageSource.message_id == ChatMessage.id,
                MessageSource.source == match.cites,
            )
        )
    return exists().where(*conditions)
