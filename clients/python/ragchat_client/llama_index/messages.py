"""LlamaIndex chat messages to ragchat messages and back.

A `ChatMessage` is stored as:

- `sender`: user → user, assistant (chatbot, model) → ai, system (developer) → system,
  tool (function) → tool; `content`: its text blocks, or a stand-in when it has none;
- `extra["llama_index"]`: the message itself (`model_dump(mode="json")`: role, blocks,
  additional_kwargs), which it is rebuilt from; JSON values come back equal, objects in
  `additional_kwargs` as their JSON dump, as LlamaIndex's own SimpleChatStore keeps them;
- `extra["tool_calls"]` (`{"name", "args", "id"}`, from tool call blocks and OpenAI-style
  `additional_kwargs["tool_calls"]`), `extra["name"]` and `extra["tool_call_id"]`: copies
  for the review UI;
- `context["documents"]`: the passages in `additional_kwargs["sources"]` or
  `["documents"]` (nodes with scores, nodes, or dicts with text), as passage cards.

Messages stored by other clients come back as plain messages of their sender's role.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from llama_index.core.llms import ChatMessage, MessageRole

from ragchat_client._conversations import json_safe, stand_in, title_from
from ragchat_client.types import Message, MessageInput

__all__ = ["first_words", "from_ragchat", "to_ragchat"]

SENDERS = {
    MessageRole.USER: "user",
    MessageRole.ASSISTANT: "ai",
    MessageRole.CHATBOT: "ai",
    MessageRole.MODEL: "ai",
    MessageRole.SYSTEM: "system",
    MessageRole.DEVELOPER: "system",
    MessageRole.TOOL: "tool",
    MessageRole.FUNCTION: "tool",
}
ROLES = {"user": MessageRole.USER, "ai": MessageRole.ASSISTANT, "system": MessageRole.SYSTEM}
PASSAGE_KEYS = ("sources", "documents")  # in additional_kwargs
TEXT_KEYS = ("text", "page_content", "content")


def to_ragchat(message: ChatMessage) -> MessageInput:
    """The ragchat message that stores `message` (see the module's docstring)."""
    data: dict[str, Any] = json_safe(message.model_dump(mode="json"))
    kwargs = message.additional_kwargs
    extra: dict[str, Any] = {"llama_index": data}
    calls = tool_calls_of(message)
    if calls:
        extra["tool_calls"] = calls
    name = kwargs.get("name") or kwargs.get("tool_name")
    if isinstance(name, str):
        extra["name"] = name
    if isinstance(kwargs.get("tool_call_id"), str):
        extra["tool_call_id"] = kwargs["tool_call_id"]
    passages = [p for key in PASSAGE_KEYS for p in passages_in(kwargs.get(key))]
    text = message.content or ""
    kinds = [str(block.get("block_type")) for block in data.get("blocks", [])]
    return MessageInput(
        sender=SENDERS.get(MessageRole(message.role), "ai"),
        content=text if text.strip() else stand_in(text, [c["name"] for c in calls], kinds),
        context={"documents": passages} if passages else None,
        extra=extra,
    )


def from_ragchat(message: Message) -> ChatMessage:
    """The LlamaIndex message a ragchat message stores (see the module's docstring)."""
    stored = message.extra.get("llama_index")
    if isinstance(stored, dict):
        try:
            return ChatMessage.model_validate(stored)
        except ValueError:  # pydantic's ValidationError: not a message this version reads
            pass
    if message.sender == "tool":
        tool_call_id = message.extra.get("tool_call_id")
        kwargs = {"tool_call_id": tool_call_id} if isinstance(tool_call_id, str) else {}
        return ChatMessage(role=MessageRole.TOOL, content=message.content, additional_kwargs=kwargs)
    return ChatMessage(
        role=ROLES.get(message.sender, MessageRole.ASSISTANT), content=message.content
    )


def tool_calls_of(message: ChatMessage) -> list[dict[str, Any]]:
    """The message's tool calls as LangChain has them: {"name", "args", "id"}."""
    calls = [
        {
            "name": block["tool_name"],
            "args": arguments(block.get("tool_kwargs")),
            "id": block.get("tool_call_id"),
        }
        for block in json_safe([b.model_dump(mode="json") for b in message.blocks])
        if block.get("block_type") == "tool_call"
    ]
    for call in json_safe(message.additional_kwargs.get("tool_calls")) or []:
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            calls.append(
                {
                    "name": function["name"],
                    "args": arguments(function.get("arguments")),
                    "id": call.get("id"),
                }
            )
    return calls


def arguments(value: Any) -> dict[str, Any]:
    """A tool call's arguments as an object (they may come as JSON text)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {"input": value}
    return value if isinstance(value, dict) else {"input": value}


def passages_in(value: Any) -> list[dict[str, Any]]:
    """Retrieved passages as the review UI's cards: nodes with scores, nodes, dicts."""
    if not isinstance(value, list | tuple):
        return []
    found = []
    for item in json_safe(list(value)):
        if not isinstance(item, dict):
            continue
        node: dict[str, Any] = item["node"] if isinstance(item.get("node"), dict) else item
        text = next((node[key] for key in TEXT_KEYS if isinstance(node.get(key), str)), None)
        if text is None:
            continue
        passage: dict[str, Any] = {"page_content": text, "metadata": node.get("metadata") or {}}
        if isinstance(item.get("score"), int | float):
            passage["score"] = item["score"]
        if isinstance(node.get("id_"), str):
            passage["id"] = node["id_"]
        found.append(passage)
    return found


def first_words(messages: Sequence[ChatMessage]) -> str | None:
    """A title for a new session: the first user message's first words."""
    user = next((m for m in messages if m.role == MessageRole.USER), None)
    return None if user is None else title_from(user.content or "")
