"""Python client for ragchat, the chat-history store for RAG chatbots.

RagChat (blocking) and AsyncRagChat (asyncio) have the same surface: client.sessions,
client.messages, client.feedback, client.exports, client.users, client.keys,
client.search(), client.insights() and client.health(). The framework adapters are
ragchat_client.langchain and ragchat_client.llama_index; each imports its framework only
itself. See README.md.
"""

from ragchat_client._client import AsyncRagChat, RagChat
from ragchat_client._exceptions import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RagChatError,
    RateLimitError,
    UnprocessableEntityError,
)
from ragchat_client._routes import OPERATIONS
from ragchat_client._version import __version__
from ragchat_client.pagination import AsyncPager, Page, SyncPager
from ragchat_client.types import (
    ApiKey,
    CitedSource,
    Erasure,
    Feedback,
    Health,
    Insights,
    InsightsDay,
    InsightsTotals,
    Message,
    MessageInput,
    ModelDay,
    Period,
    Retrieval,
    ScoreBucket,
    SearchHit,
    Session,
)

__all__ = [
    "OPERATIONS",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "ApiKey",
    "AsyncPager",
    "AsyncRagChat",
    "AuthenticationError",
    "BadRequestError",
    "CitedSource",
    "ConflictError",
    "Erasure",
    "Feedback",
    "Health",
    "Insights",
    "InsightsDay",
    "InsightsTotals",
    "InternalServerError",
    "Message",
    "MessageInput",
    "ModelDay",
    "NotFoundError",
    "Page",
    "Period",
    "PermissionDeniedError",
    "RagChat",
    "RagChatError",
    "RateLimitError",
    "Retrieval",
    "ScoreBucket",
    "SearchHit",
    "Session",
    "SyncPager",
    "UnprocessableEntityError",
    "__version__",
]
