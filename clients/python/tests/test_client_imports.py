"""The client imports no framework: each adapter imports its own, and only when imported."""

import subprocess
import sys

import pytest

FRAMEWORKS = ("langchain", "langchain_core", "langgraph", "llama_index")
PROBE = """
import sys
import {module}
loaded = sorted({{name.split(".")[0] for name in sys.modules}} & {frameworks!r})
print(",".join(loaded))
"""


@pytest.mark.parametrize(
    "module, expected",
    [
        ("ragchat_client", ""),
        ("ragchat_client.llama_index", "llama_index"),
        ("ragchat_client.langchain", "langchain,langchain_core,langgraph"),
    ],
)
def test_what_each_module_imports(module, expected):
    code = PROBE.format(module=module, frameworks=set(FRAMEWORKS))
    result = subprocess.run(  # a fresh interpreter: nothing imported before
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == expected
