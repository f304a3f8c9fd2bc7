"""A LlamaIndex chat store kept in ragchat, for `ChatMemoryBuffer` and the other memories
built on `BaseChatStore`."""

from __future__ import annotations

from uuid import UUID

from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.llms import ChatMessage
from llama_index.core.storage.chat_store.base import BaseChatStore

from ragchat_client._client import AsyncRagChat, RagChat
from ragchat_client._conversations import PAGE, AsyncConversation, Conversation, batches
from ragchat_client._shared_clients import ClientPair
from ragchat_client.llama_index.messages import first_words, from_ragchat, to_ragchat
from ragchat_client.types import Message

__all__ = ["RagChatStore"]


class RagChatStore(BaseChatStore):
    """LlamaIndex chat messages kept in ragchat, one conversation per key.

    `client` (RagChat) serves the blocking methods, `async_client` (AsyncRagChat) the
    async ones, with no blocking call; a client not given is made when first needed, with
    the other's settings or from RAGCHAT_BASE_URL and RAGCHAT_API_KEY. `get_keys()` lists
    the keys of `user_id`'s conversations (all of your tenant's without one).
    """

    user_id: str | None = None
    _clients: ClientPair = PrivateAttr()

    def __init__(
        self,
        *,
        client: RagChat | None = None,
        async_client: AsyncRagChat | None = None,
        user_id: str | None = None,
    ) -> None:
        super().__init__()
        self.user_id = user_id
        self._clients = ClientPair(client, async_client)

    @classmethod
    def class_name(cls) -> str:
        return "RagChatStore"

    def set_messages(self, key: str, messages: list[ChatMessage]) -> None:
        """Replace the conversation's messages (its session and seqs go on)."""
        conversation, inputs = self._conversation(key), [to_ragchat(m) for m in messages]
        chat = conversation.client

        def replace(session_id: UUID) -> None:
            chat.messages.clear(session_id)
            for batch in batches(inputs):
                chat.messages.append_many(session_id, batch)

        conversation.call(replace, create=True, title=first_words(messages))

    def get_messages(self, key: str) -> list[ChatMessage]:
        return [from_ragchat(m) for m in self._conversation(key).read()[1]]

    def add_message(self, key: str, message: ChatMessage) -> None:
        self._conversation(key).append([to_ragchat(message)], title=first_words([message]))

    def delete_messages(self, key: str) -> list[ChatMessage] | None:
        """Delete the conversation's messages and return them (None if it has none)."""
        chat = self._clients.sync

        def delete(session_id: UUID) -> list[Message]:
            found = list(chat.messages.list(session_id, limit=PAGE))
            chat.messages.clear(session_id)
            return found

        found = self._conversation(key).call(delete, create=False)
        return None if found is None else [from_ragchat(m) for m in found]

    def delete_message(self, key: str, idx: int) -> ChatMessage | None:
        """Delete the message at position `idx` (None if there is none)."""
        chat = self._clients.sync

        def delete(session_id: UUID) -> Message | None:
            found = list(chat.messages.list(session_id, limit=PAGE))
            if not -len(found) <= idx < len(found):
                return None
            chat.messages.delete(session_id, found[idx].id)
            return found[idx]

        deleted = self._conversation(key).call(delete, create=False)
        return None if deleted is None else from_ragchat(deleted)

    def delete_last_message(self, key: str) -> ChatMessage | None:
        chat = self._clients.sync

        def delete(session_id: UUID) -> Message | None:
            last = next(iter(chat.messages.list(session_id, order="desc", limit=1)), None)
            if last is not None:
                chat.messages.delete(session_id, last.id)
            return last

        deleted = self._conversation(key).call(delete, create=False)
        return None if deleted is None else from_ragchat(deleted)

    def get_keys(self) -> list[str]:
        keyed = self._clients.sync.sessions.list_keyed(user_id=self.user_id, limit=PAGE)
        return [session.key for session in keyed if session.key is not None]

    async def aset_messages(self, key: str, messages: list[ChatMessage]) -> None:
        conversation, inputs = self._async_conversation(key), [to_ragchat(m) for m in messages]
        chat = conversation.client

        async def replace(session_id: UUID) -> None:
            await chat.messages.clear(session_id)
            for batch in batches(inputs):
                await chat.messages.append_many(session_id, batch)

        await conversation.call(replace, create=True, title=first_words(messages))

    async def aget_messages(self, key: str) -> list[ChatMessage]:
        _, found = await self._async_conversation(key).read()
        return [from_ragchat(m) for m in found]

    async def async_add_message(self, key: str, message: ChatMessage) -> None:
        await self._async_conversation(key).append(
            [to_ragchat(message)], title=first_words([message])
        )

    async def adelete_messages(self, key: str) -> list[ChatMessage] | None:
        chat = self._clients.asynchronous

        async def delete(session_id: UUID) -> list[Message]:
            found = [m async for m in chat.messages.list(session_id, limit=PAGE)]
            await chat.messages.clear(session_id)
            return found

        found = await self._async_conversation(key).call(delete, create=False)
        return None if found is None else [from_ragchat(m) for m in found]

    async def adelete_message(self, key: str, idx: int) -> ChatMessage | None:
        chat = self._clients.asynchronous

        async def delete(session_id: UUID) -> Message | None:
            found = [m async for m in chat.messages.list(session_id, limit=PAGE)]
            if not -len(found) <= idx < len(found):
                return None
            await chat.messages.delete(session_id, found[idx].id)
            return found[idx]

        deleted = await self._async_conversation(key).call(delete, create=False)
        return None if deleted is None else from_ragchat(deleted)

    async def adelete_last_message(self, key: str) -> ChatMessage | None:
        chat = self._clients.asynchronous

        async def delete(session_id: UUID) -> Message | None:
            listing = chat.messages.list(session_id, order="desc", limit=1)
            last = next(iter([m async for m in listing]), None)
            if last is not None:
                await chat.messages.delete(session_id, last.id)
            return last

        deleted = await self._async_conversation(key).call(delete, create=False)
        return None if deleted is None else from_ragchat(deleted)

    async def aget_keys(self) -> list[str]:
        keyed = self._clients.asynchronous.sessions.list_keyed(user_id=self.user_id, limit=PAGE)
        return [session.key async for session in keyed if session.key is not None]

    def _conversation(self, key: str) -> Conversation:
        return Conversation(self._clients.sync, key, self.user_id or key)

    def _async_conversation(self, key: str) -> AsyncConversation:
        return AsyncConversation(self._clients.asynchronous, key, self.user_id or key)
