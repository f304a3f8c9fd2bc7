"""A LangChain chat message history kept in ragchat, for `RunnableWithMessageHistory`."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from langchain_core.chat_history import BaseChatMessageHistory
from langchain_core.messages import BaseMessage

from ragchat_client._client import AsyncRagChat, RagChat
from ragchat_client._conversations import AsyncConversation, Conversation, Position
from ragchat_client._shared_clients import ClientPair
from ragchat_client.langchain.messages import first_words, from_ragchat, to_ragchat
from ragchat_client.types import Message

__all__ = ["RagChatMessageHistory"]


class RagChatMessageHistory(BaseChatMessageHistory):
    """The messages of one conversation, kept in ragchat.

    `session_id` is the conversation's key (RunnableWithMessageHistory's session id); its
    session belongs to `user_id`, which defaults to the key. The session is opened
    (`sessions.open`) when the first message is added, titled with the first words of the
    first human message; the client remembers its id, so a steady-state turn costs one
    request to read (only the messages after the last seq this history has read) and one
    to add. `clear()` deletes the messages and keeps the session. Messages come back
    equal to what was added (see `ragchat_client.langchain.messages`).

    `client` (RagChat) serves the blocking methods, `async_client` (AsyncRagChat) the
    `a…` ones, each with no blocking call; a client not given is made when first needed,
    with the other's settings or from RAGCHAT_BASE_URL and RAGCHAT_API_KEY.

    langchain-core 1.6.4 deprecated `BaseChatMessageHistory` and 1.3.3
    `RunnableWithMessageHistory` (which warns when built), to be removed in 2.0, in favour
    of LangGraph persistence; for agents, `RagChatMemory` is that. This class is for the
    chains that still use them, and the warning is left as LangChain gives it.
    """

    def __init__(
        self,
        session_id: str,
        *,
        user_id: str | None = None,
        client: RagChat | None = None,
        async_client: AsyncRagChat | None = None,
    ) -> None:
        super().__init__()
        self.session_id = session_id
        self.user_id = user_id or session_id
        self._clients = ClientPair(client, async_client)
        self._read: list[BaseMessage] = []  # what has been read, in order
        self._position: Position | None = None  # the session read, and its last seq

    def __repr__(self) -> str:
        return f"RagChatMessageHistory(session_id={self.session_id!r}, user_id={self.user_id!r})"

    @property
    def messages(self) -> list[BaseMessage]:  # type: ignore[override]
        """The conversation's messages, oldest first (an empty list before the first)."""
        session_id, found = self._conversation().read(self._position)
        return self._took(session_id, found)

    async def aget_messages(self) -> list[BaseMessage]:
        session_id, found = await self._async_conversation().read(self._position)
        return self._took(session_id, found)

    def add_messages(self, messages: Sequence[BaseMessage]) -> None:
        """Store the messages in order (one request per 100)."""
        stored = self._conversation().append(
            [to_ragchat(message) for message in messages], title=first_words(messages)
        )
        self._extend(stored)

    async def aadd_messages(self, messages: Sequence[BaseMessage]) -> None:
        stored = await self._async_conversation().append(
            [to_ragchat(message) for message in messages], title=first_words(messages)
        )
        self._extend(stored)

    def clear(self) -> None:
        """Delete the conversation's messages; its session stays, and seqs go on."""
        conversation = self._conversation()
        conversation.call(conversation.client.messages.clear, create=False)
        self._read = []

    async def aclear(self) -> None:
        conversation = self._async_conversation()
        await conversation.call(conversation.client.messages.clear, create=False)
        self._read = []

    def _conversation(self) -> Conversation:
        return Conversation(self._clients.sync, self.session_id, self.user_id)

    def _async_conversation(self) -> AsyncConversation:
        return AsyncConversation(self._clients.asynchronous, self.session_id, self.user_id)

    def _took(self, session_id: UUID | None, found: list[Message]) -> list[BaseMessage]:
        """What was read, added to what had been (unless it is another session now)."""
        if session_id is None:
            self._read, self._position = [], None
            return []
        if self._position is None or self._position[0] != session_id:
            self._read, self._position = [], (session_id, 0)
        self._read += [from_ragchat(message) for message in found]
        if found:
            self._position = (session_id, found[-1].seq)
        return list(self._read)

    def _extend(self, stored: list[Message]) -> None:
        """Keeps what was just added when it directly follows what had been read, so that
        the next read need not fetch it; if anything came in between, the read will."""
        if not stored or self._position is None:
            return
        session_id, last = self._position
        seqs = [message.seq for message in stored]
        if stored[0].session_id == session_id and seqs == list(
            range(last + 1, last + 1 + len(seqs))
        ):
            self._took(session_id, stored)
