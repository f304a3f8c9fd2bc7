"""Agent memory in ragchat: a middleware for LangChain 1.x `create_agent`."""

from __future__ import annotations

from typing import Annotated, Any, NotRequired

from langchain.agents.middleware import AgentMiddleware, AgentState
from langchain.agents.middleware.types import PrivateStateAttr
from langchain_core.messages import BaseMessage, RemoveMessage
from langgraph.config import get_config
from langgraph.graph.message import REMOVE_ALL_MESSAGES
from langgraph.runtime import Runtime

from ragchat_client._client import AsyncRagChat, RagChat
from ragchat_client._conversations import AsyncConversation, Conversation
from ragchat_client._shared_clients import ClientPair
from ragchat_client.langchain.messages import first_words, from_ragchat, to_ragchat
from ragchat_client.types import Message

__all__ = ["RagChatMemory", "RagChatState"]


class RagChatState(AgentState[Any]):
    # The ids of the messages in the state that ragchat already holds (not an input or
    # an output of the agent).
    ragchat_recorded: NotRequired[Annotated[list[str], PrivateStateAttr]]


class RagChatMemory(AgentMiddleware[RagChatState, Any, Any]):
    """Keeps an agent's conversations in ragchat: `create_agent(model, tools,
    middleware=[RagChatMemory()])`, run with `config={"configurable": {"thread_id": …}}`.

    The thread id is the conversation's key. Before the agent runs, the thread's earlier
    messages are read from ragchat (one request per 100) and put before the new input;
    after it has run, every message the run added (the user's, the model's answers and
    tool calls, the tools' results with their documents as context) is appended once, in
    order, opening the session on the first run, titled with the user's first words.
    Running again with the same thread id continues the conversation; no checkpointer is
    needed (with one, the messages it restores are not stored twice).

    The session belongs to `user_id`, else to `configurable["user_id"]` of the run's
    config, else to the thread id. `client` serves `invoke`/`stream`, `async_client`
    `ainvoke`/`astream` (no blocking call there); a client not given is made when first
    needed, with the other's settings or from RAGCHAT_BASE_URL and RAGCHAT_API_KEY.
    A run that fails before its end records nothing of that run.
    """

    state_schema = RagChatState

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

    def before_agent(self, state: RagChatState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        _, stored = self._conversation(runtime).read()
        return with_history(state, stored)

    async def abefore_agent(
        self, state: RagChatState, runtime: Runtime[Any]
    ) -> dict[str, Any] | None:
        _, stored = await self._async_conversation(runtime).read()
        return with_history(state, stored)

    def after_agent(self, state: RagChatState, runtime: Runtime[Any]) -> dict[str, Any] | None:
        new = unrecorded(state)
        self._conversation(runtime).append([to_ragchat(m) for m in new], title=first_words(new))
        return recorded(state, new)

    async def aafter_agent(
        self, state: RagChatState, runtime: Runtime[Any]
    ) -> dict[str, Any] | None:
        new = unrecorded(state)
        await self._async_conversation(runtime).append(
            [to_ragchat(m) for m in new], title=first_words(new)
        )
        return recorded(state, new)

    def _conversation(self, runtime: Runtime[Any]) -> Conversation:
        thread_id, user_id = self._names(runtime)
        return Conversation(self._clients.sync, thread_id, user_id)

    def _async_conversation(self, runtime: Runtime[Any]) -> AsyncConversation:
        thread_id, user_id = self._names(runtime)
        return AsyncConversation(self._clients.asynchronous, thread_id, user_id)

    def _names(self, runtime: Runtime[Any]) -> tuple[str, str]:
        """The run's thread id and the user the conversation belongs to."""
        configurable = run_configurable()
        info = runtime.execution_info
        thread_id = info.thread_id if info is not None else None
        thread_id = thread_id or configurable.get("thread_id")
        if not thread_id:
            raise ValueError(
                "RagChatMemory keeps a conversation by its thread id: run the agent with "
                'config={"configurable": {"thread_id": "…"}}.'
            )
        user_id = self.user_id or configurable.get("user_id") or thread_id
        return str(thread_id), str(user_id)


def run_configurable() -> dict[str, Any]:
    try:
        configurable = get_config().get("configurable")
    except RuntimeError:  # outside a run
        return {}
    return configurable if isinstance(configurable, dict) else {}


def with_history(state: RagChatState, stored: list[Message]) -> dict[str, Any]:
    """The state update that puts the thread's stored messages before the new ones."""
    history: list[BaseMessage] = []
    for message in stored:
        restored = from_ragchat(message)
        if restored.id is None:  # stored without one: ragchat's id serves as its id here
            restored = restored.model_copy(update={"id": str(message.id)})
        history.append(restored)
    if not history:
        return {"ragchat_recorded": []}
    known = [str(message.id) for message in history]
    seen = set(known)
    fresh = [message for message in state["messages"] if message.id not in seen]
    return {
        "messages": [RemoveMessage(id=REMOVE_ALL_MESSAGES), *history, *fresh],
        "ragchat_recorded": known,
    }


def unrecorded(state: RagChatState) -> list[BaseMessage]:
    done = set(state.get("ragchat_recorded") or ())
    return [
        message for message in state["messages"] if message.id is None or message.id not in done
    ]


def recorded(state: RagChatState, new: list[BaseMessage]) -> dict[str, Any]:
    done = list(state.get("ragchat_recorded") or ())
    return {"ragchat_recorded": done + [str(message.id) for message in new]}
