"""The Python code of the root README's "Python client" section (with its LangChain and
LlamaIndex parts) runs as written against a real server, and does what the README says."""

import re
import warnings
from contextlib import nullcontext
from pathlib import Path

import pytest
from langchain_core._api import LangChainDeprecationWarning
from ragchat_client import RagChat

README = Path(__file__).resolve().parents[3] / "README.md"
SECTION = "## Python client"

# The conversations the snippets keep, and the senders of their messages afterwards.
CONVERSATIONS = {
    "ticket-1042": ["user", "ai"],
    "ticket-1043": ["user"],
    "web-chat-7f3a": ["user", "ai", "tool", "ai"],
    "web-chat-7f3b": ["user", "ai", "user", "ai"],
    "web-chat-7f3c": ["user", "ai"],
    "web-chat-7f3d": ["user", "ai"],
}


def snippets():
    """(heading, first line number, code) of every ```python block in the section."""
    found, heading, block, start = [], None, None, 0
    for number, line in enumerate(README.read_text().splitlines(), 1):
        if line.startswith("## "):
            heading = line if line == SECTION else None
        elif line.startswith("### ") and heading is not None:
            heading = line
        if heading is None:
            continue
        if block is None and line.strip() == "```python":
            block, start = [], number + 1
        elif block is not None and line.strip() == "```":
            found.append((heading.lstrip("# "), start, "\n".join(block) + "\n"))
            block = None
        elif block is not None:
            block.append(line)
    return found


SNIPPETS = snippets()


def test_the_section_has_snippets_for_each_part():
    assert {heading for heading, _, _ in SNIPPETS} == {"Python client", "LangChain", "LlamaIndex"}
    assert len(SNIPPETS) >= 5


@pytest.mark.parametrize(
    "heading, line, code", SNIPPETS, ids=[f"{h}-line-{n}" for h, n, _ in SNIPPETS]
)
def test_a_snippet_runs_as_written(monkeypatch, server, api_key, capsys, heading, line, code):
    monkeypatch.setenv("RAGCHAT_BASE_URL", server.url)
    monkeypatch.setenv("RAGCHAT_API_KEY", api_key)

    # The README says LangChain warns when a RunnableWithMessageHistory is built.
    deprecated = "RunnableWithMessageHistory(" in code
    with pytest.warns(LangChainDeprecationWarning) if deprecated else nullcontext():
        if not deprecated:
            warnings.simplefilter("error", LangChainDeprecationWarning)
        exec(compile(code, f"{README}:{line}", "exec"), {"__name__": "readme_snippet"})  # noqa: S102

    named = [key for key in CONVERSATIONS if re.search(rf"\b{re.escape(key)}\b", code)]
    assert named, "each snippet keeps a conversation listed in CONVERSATIONS"
    with RagChat(server.url, api_key) as client:
        for key in named:
            session = client.sessions.get_by_key(key)
            senders = [m.sender for m in client.messages.list(session.id)]
            assert senders == CONVERSATIONS[key], key
    if "print(" in code:
        assert capsys.readouterr().out.strip()
