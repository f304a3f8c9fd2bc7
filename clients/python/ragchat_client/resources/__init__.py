"""The API's resources, each as a sync and an async class with the same methods."""

from ragchat_client.resources.exports import AsyncExports, Exports
from ragchat_client.resources.feedback import AsyncFeedbackResource, FeedbackResource
from ragchat_client.resources.keys import AsyncKeys, Keys
from ragchat_client.resources.messages import AsyncMessages, Messages
from ragchat_client.resources.sessions import AsyncSessions, Sessions
from ragchat_client.resources.users import AsyncUsers, Users

__all__ = [
    "AsyncExports",
    "AsyncFeedbackResource",
    "AsyncKeys",
    "AsyncMessages",
    "AsyncSessions",
    "AsyncUsers",
    "Exports",
    "FeedbackResource",
    "Keys",
    "Messages",
    "Sessions",
    "Users",
]
