"""LangChain messages to ragchat messages and back, losslessly.

A message is stored as:

- `sender`: human → user, ai → ai, system → system, tool and function → tool; a
  `ChatMessage` by its role (user/human, ai/assistant, system/developer, tool/function;
  any other role → ai);
- `content`: its text (the text blocks joined), or a stand-in such as "(tool call:
  search_docs)" when it has none, for search and review;
- `extra["langchain"]`: the message itself, `{"type": …, "data": {field: value}}` as
  `messages_to_dict` has it, every field included, nested LangChain objects (the
  `Document`s of a tool's artifact) in LangChain's own serialisation (`dumpd`), which is
  what the message is rebuilt from;
- `extra["tool_calls"]`, `extra["name"]`, `extra["tool_call_id"]`: copies for the review UI
  and for other readers;
- `context["documents"]`: the retrieved documents, `{"page_content", "metadata", "id"?}`
  (a retriever's score stays in the metadata, where the review UI reads it), from a
  tool's artifact (a `Document` or a list of them) and from `with_documents`;
- `metadata`: an AI message's model and token counts, as strings.

A message stored by another client (no `extra["langchain"]`) comes back as the plain
message of its sender, with `tool_calls`, `name` and `tool_call_id` taken from `extra`
when they are there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from langchain_core.documents import Document
from langchain_core.load import dumpd
from langchain_core.load.serializable import Serializable
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    ChatMessageChunk,
    FunctionMessage,
    FunctionMessageChunk,
    HumanMessage,
    HumanMessageChunk,
    SystemMessage,
    SystemMessageChunk,
    ToolCall,
    ToolMessage,
    ToolMessageChunk,
    messages_from_dict,
)

from ragchat_client._conversations import json_safe, stand_in, title_from
from ragchat_client.types import Message, MessageInput

__all__ = [
    "DOCUMENTS_KEY",
    "documents_context",
    "first_words",
    "from_ragchat",
    "to_ragchat",
    "with_documents",
]

M = TypeVar("M", bound=BaseMessage)

DOCUMENTS_KEY = "ragchat_documents"  # in response_metadata: the documents behind an answer
ROLES = {
    "user": "user",
    "human": "user",
    "ai": "ai",
    "assistant": "ai",
    "system": "system",
    "developer": "system",
    "tool": "tool",
    "function": "tool",
}
# The classes rebuilt from LangChain's serialisation (nothing else is ever instantiated).
REVIVABLE: dict[tuple[str, ...], type[Serializable]] = {
    tuple(cls.lc_id()): cls
    for cls in (
        Document,
        HumanMessage,
        AIMessage,
        SystemMessage,
        ToolMessage,
        ChatMessage,
        FunctionMessage,
        HumanMessageChunk,
        AIMessageChunk,
        SystemMessageChunk,
        ToolMessageChunk,
        ChatMessageChunk,
        FunctionMessageChunk,
    )
}
ESCAPED = "__lc_escaped__"  # how dumpd wraps a plain dict that has an "lc" key


def with_documents(message: M, documents: Iterable[Document]) -> M:
    """A copy of `message` (an AI answer) carrying the documents it was built on: stored
    in its context as `documents`, and kept in `response_metadata["ragchat_documents"]`
    so that the message comes back as it was."""
    metadata = {**message.response_metadata, DOCUMENTS_KEY: list(documents)}
    return message.model_copy(update={"response_metadata": metadata})


def to_ragchat(message: BaseMessage) -> MessageInput:
    """The ragchat message that stores `message` (see the module's docstring)."""
    fields = {name: getattr(message, name) for name in type(message).model_fields}
    data: dict[str, Any] = json_safe(dumpd(fields))
    extra: dict[str, Any] = {"langchain": {"type": message.type, "data": data}}
    tool_calls = data.get("tool_calls")
    if tool_calls:
        extra["tool_calls"] = tool_calls
    if message.name:
        extra["name"] = message.name
    if isinstance(message, ToolMessage):
        extra["tool_call_id"] = message.tool_call_id
    documents = documents_of(message)
    return MessageInput(
        sender=sender_of(message),
        content=text_of(message),
        context=documents_context(documents) if documents else None,
        metadata=metadata_of(message) or None,
        extra=extra,
    )


def from_ragchat(message: Message) -> BaseMessage:
    """The LangChain message a ragchat message stores (see the module's docstring)."""
    stored = message.extra.get("langchain")
    if isinstance(stored, dict) and isinstance(stored.get("type"), str):
        data = stored.get("data")
        if isinstance(data, dict):
            try:
                return messages_from_dict([{"type": stored["type"], "data": revive(data)}])[0]
            except (TypeError, ValueError):  # pydantic's ValidationError is a ValueError
                pass  # not a message this LangChain can read: the plain message, then
    return plain_message(message)


def documents_context(documents: Iterable[Document]) -> dict[str, Any]:
    """A context the review UI shows as passage cards: text, source, score."""
    return {"documents": [document_json(document) for document in documents]}


def document_json(document: Document) -> dict[str, Any]:
    """A document as a passage: its score stays in its metadata (`score`,
    `relevance_score` or `similarity`, where retrievers put it), where the UI reads it."""
    item: dict[str, Any] = {
        "page_content": document.page_content,
        "metadata": json_safe(document.metadata),
    }
    if document.id is not None:
        item["id"] = document.id
    return item


def documents_of(message: BaseMessage) -> list[Document]:
    found: list[Document] = []
    if isinstance(message, ToolMessage):
        found += document_list(message.artifact)
    found += document_list(message.response_metadata.get(DOCUMENTS_KEY))
    return found


def document_list(value: Any) -> list[Document]:
    if isinstance(value, Document):
        return [value]
    is_list = isinstance(value, Sequence) and not isinstance(value, str | bytes)
    if is_list and value and all(isinstance(item, Document) for item in value):
        return list(value)
    return []


def sender_of(message: BaseMessage) -> str:
    if isinstance(message, HumanMessage):
        return "user"
    if isinstance(message, AIMessage):
        return "ai"
    if isinstance(message, SystemMessage):
        return "system"
    if isinstance(message, ToolMessage | FunctionMessage):
        return "tool"
    if isinstance(message, ChatMessage):
        return ROLES.get(message.role.strip().lower(), "ai")
    return ROLES.get(message.type, "ai")


def text_of(message: BaseMessage) -> str:
    text = str(message.text)
    if text.strip():
        return text
    tools = [call["name"] for call in message.tool_calls] if isinstance(message, AIMessage) else []
    blocks = message.content if isinstance(message.content, list) else []
    kinds = [block.get("type", "?") for block in blocks if isinstance(block, dict)]
    return stand_in(text, tools, [str(kind) for kind in kinds])


def metadata_of(message: BaseMessage) -> dict[str, str]:
    if not isinstance(message, AIMessage):
        return {}
    found: dict[str, str] = {}
    model = message.response_metadata.get("model_name") or message.response_metadata.get("model")
    if isinstance(model, str) and 0 < len(model) <= 512:
        found["model"] = model
    usage: Mapping[str, Any] = message.usage_metadata or {}
    for name in ("input_tokens", "output_tokens", "total_tokens"):
        if isinstance(usage.get(name), int):
            found[name] = str(usage[name])
    return found


def first_words(messages: Sequence[BaseMessage]) -> str | None:
    """A title for a new session: the first human message's first words."""
    human = next((m for m in messages if isinstance(m, HumanMessage)), None)
    return None if human is None else title_from(str(human.text))


def plain_message(message: Message) -> BaseMessage:
    """A message stored by another client, as the plain LangChain message of its sender."""
    extra, content = message.extra, message.content
    name = extra.get("name") if isinstance(extra.get("name"), str) else None
    if message.sender == "user":
        return HumanMessage(content=content, name=name)
    if message.sender == "system":
        return SystemMessage(content=content, name=name)
    if message.sender == "tool":
        tool_call_id = extra.get("tool_call_id")
        return ToolMessage(
            content=content,
            tool_call_id=tool_call_id if isinstance(tool_call_id, str) else "",
            name=name,
        )
    if message.sender == "ai":
        return AIMessage(content=content, name=name, tool_calls=tool_calls_in(extra))
    return ChatMessage(content=content, role=message.sender, name=name)


def tool_calls_in(extra: Mapping[str, Any]) -> list[ToolCall]:
    calls = extra.get("tool_calls")
    if not isinstance(calls, list):
        return []
    return [
        ToolCall(
            name=call["name"],
            args=call["args"],
            id=call.get("id") if isinstance(call.get("id"), str) else None,
            type="tool_call",
        )
        for call in calls
        if isinstance(call, dict)
        and isinstance(call.get("name"), str)
        and isinstance(call.get("args"), dict)
    ]


def revive(value: Any) -> Any:
    """What `dumpd` made of a value, back: escaped dicts unwrapped, the allowed LangChain
    classes rebuilt; a value dumpd could not serialise (or a secret) becomes None."""
    if isinstance(value, list):
        return [revive(item) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and ESCAPED in value:
        return value[ESCAPED]
    if value.get("lc") == 1:
        kind, path, kwargs = value.get("type"), value.get("id"), value.get("kwargs")
        if kind == "constructor" and isinstance(path, list) and isinstance(kwargs, dict):
            cls = REVIVABLE.get(tuple(str(part) for part in path))
            return value if cls is None else cls(**revive(kwargs))
        if kind in ("not_implemented", "secret"):
            return None
    return {key: revive(item) for key, item in value.items()}
