"""A chat as a Markdown transcript a person can read or attach to a ticket: each message with
its sender, seq and time, its rating, the passages retrieved for it and the rest of its
context. The passages are found as the review UI finds them (ragchat.chats.context)."""

import json
import re
from datetime import UTC

from ragchat.chats.context import read_context, read_tool_calls
from ragchat.models import SENDER_NAMES

RATINGS = {"up": "Rated helpful", "down": "Rated unhelpful"}
BACKTICKS = re.compile(r"`+")


def markdown_transcript(session, batches):
    """The transcript in chunks: the heading, then one chunk per batch of messages."""
    yield heading(session)
    empty = True
    for batch in batches:
        if batch:
            empty = False
            yield "".join(message_markdown(message) for message in batch)
    if empty:
        yield "_No messages in this chat._\n"


def heading(session):
    facts = [
        f"- Chat: `{session.id}`",
        f"- User: {one_line(session.user_id)}",
        f"- Started: {when(session.created_at)}",
        f"- Last activity: {when(session.updated_at)}",
        f"- Messages: {session.message_count}",
    ]
    if session.is_favorite:
        facts.append("- Favorite: yes")
    facts += [f"- {key}: {one_line(value)}" for key, value in session.meta.items()]
    return f"# {one_line(session.title)}\n\n" + "\n".join(facts) + "\n\n---\n\n"


def message_markdown(message):
    extra = json.loads(message.extra_json)
    sender = SENDER_NAMES.get(message.sender, message.sender)
    if message.sender == "tool" and isinstance(extra.get("name"), str):
        sender += f" {one_line(extra['name'])}"
    parts = [f"## #{message.seq} · {sender} · {when(message.created_at)}", message.content]
    for call in read_tool_calls(extra):
        parts.append(f"**Called `{one_line(call.name)}`**\n\n{fenced(call.arguments, 'json')}")
    if message.feedback_rating:
        rating = f"**{RATINGS[message.feedback_rating]}**"
        if message.feedback_comment:
            rating += f": {one_line(message.feedback_comment)}"
        parts.append(f"{rating} ({when(message.feedback_at)})")
    parts += [f"- {key}: {one_line(value)}" for key, value in message.meta.items()]
    context = read_context(json.loads(message.context_json))
    if context.passages:
        parts.append(f"**Retrieved passages ({len(context.passages)})**")
        parts += [passage_markdown(number, p) for number, p in enumerate(context.passages, 1)]
    if context.rest:
        parts.append(f"**Context**\n\n{fenced(context.rest, 'json')}")
    return "\n\n".join(parts) + "\n\n"


def passage_markdown(number, passage):
    source = one_line(passage.label or passage.link or "Unnamed source")
    line = f"{number}. **{source}**"
    if passage.link and passage.link != passage.label:
        line += f" <{passage.link}>"
    if passage.score:
        line += f" · score {passage.score}"
    extra = "".join(f"\n   - {key}: {one_line(value)}" for key, value in passage.extra.items())
    quoted = "\n".join(f"   > {text}" for text in passage.text.splitlines() or [""])
    return f"{line}{extra}\n\n{quoted}"


def fenced(text, language=""):
    """A code block whose fence is longer than any run of backticks inside it."""
    longest = max((len(run) for run in BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def one_line(text):
    return " ".join(str(text).split())


def when(moment):
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
