"""A scripted chat model and a retriever tool, to run LangChain agents and chains without a
model provider: the model answers with the messages it is given, in turn, and records the
conversation it was shown each time."""

from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage
from langchain_core.tools import tool
from pydantic import Field

PASSAGES = {
    "refund": [
        Document(
            "Refunds reach the original payment method within five working days of approval.",
            id="refunds-1",
            metadata={"source": "policies/refunds.md#timing", "score": 0.91},
        ),
        Document(
            "Store credit is issued at once when a return is approved.",
            metadata={"source": "policies/refunds.md#store-credit", "score": 0.74},
        ),
    ],
    "damaged": [
        Document(
            "Damaged items are refunded in full, shipping included, within 30 days.",
            metadata={"title": "Damaged items", "relevance_score": 0.88},
        )
    ],
}


class ScriptedChatModel(FakeMessagesListChatModel):
    """Answers with `responses` in turn; `seen` holds the messages of every call."""

    seen: list = Field(default_factory=list)

    def bind_tools(self, tools, **kwargs):
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.seen.append(list(messages))
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


@tool(response_format="content_and_artifact")
def search_policies(query: str) -> tuple[str, list[Document]]:
    """Search the shop's policies; the passages found are the artifact."""
    found = next((docs for word, docs in PASSAGES.items() if word in query.lower()), [])
    return "\n\n".join(document.page_content for document in found), found


def calls_search(query, call_id):
    """The model's turn that calls the retriever."""
    return AIMessage(
        content="",
        tool_calls=[{"name": "search_policies", "args": {"query": query}, "id": call_id}],
        usage_metadata={"input_tokens": 120, "output_tokens": 9, "total_tokens": 129},
        response_metadata={"model_name": "scripted-1"},
    )


def two_turns():
    """The model's answers over two turns, each searching once and then answering."""
    return [
        calls_search("refund timing", "call_1"),
        AIMessage("Refunds take up to five working days."),
        calls_search("damaged items", "call_2"),
        AIMessage("Damaged items are refunded in full, shipping included."),
    ]
