"""ragchat for LlamaIndex: `RagChatStore`, a chat store for `ChatMemoryBuffer` and the other
memories built on `BaseChatStore`; `to_ragchat` / `from_ragchat` convert one message.

A chat store key is a conversation's key; its session belongs to the store's `user_id`,
or else to the key, and is opened when a message is first stored, titled with the first
user message's first words. What is kept where is described in
`ragchat_client.llama_index.messages`. This package is the only part of the client that
imports LlamaIndex (`pip install "ragchat-client[llama-index]"`).
"""

from ragchat_client.llama_index.chat_store import RagChatStore
from ragchat_client.llama_index.messages import from_ragchat, to_ragchat

__all__ = ["RagChatStore", "from_ragchat", "to_ragchat"]
