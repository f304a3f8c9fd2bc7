"""ragchat for LangChain: conversations kept in ragchat, losslessly.

- `RagChatMemory`: middleware for `create_agent` (LangChain 1.x); the run's thread id
  names the conversation.
- `RagChatMessageHistory`: a chat message history, for `RunnableWithMessageHistory`.
- `to_ragchat` / `from_ragchat`: one message each way; `with_documents` attaches the
  retrieved documents behind an answer; `documents_context` is the context they make.

What is kept where is described in `ragchat_client.langchain.messages`. This package is
the only part of the client that imports LangChain (`pip install "ragchat-client[langchain]"`).
"""

from ragchat_client.langchain.agents import RagChatMemory, RagChatState
from ragchat_client.langchain.history import RagChatMessageHistory
from ragchat_client.langchain.messages import (
    DOCUMENTS_KEY,
    documents_context,
    from_ragchat,
    to_ragchat,
    with_documents,
)

__all__ = [
    "DOCUMENTS_KEY",
    "RagChatMemory",
    "RagChatMessageHistory",
    "RagChatState",
    "documents_context",
    "from_ragchat",
    "to_ragchat",
    "with_documents",
]
