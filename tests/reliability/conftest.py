"""The reliability suite's figures: printed after the run and written to a JSON file
(RELIABILITY_FIGURES, or reliability-figures.json in pytest's temporary folder)."""

import json
import os
from pathlib import Path

import pytest

from tests.support.figures import FIGURES, database_kind

FIGURES_FILE = {}


@pytest.fixture(scope="session", autouse=True)
def figures_file(tmp_path_factory):
    path = Path(
        os.environ.get("RELIABILITY_FIGURES")
        or tmp_path_factory.getbasetemp() / "reliability-figures.json"
    )
    FIGURES_FILE["path"] = path
    yield
    if FIGURES:
        path.write_text(json.dumps({"database": database_kind(), **FIGURES}, indent=2) + "\n")


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    terminalreporter.section(f"reliability figures ({database_kind()})")
    for test, numbers in FIGURES.items():
        shown = ", ".join(f"{name}={value}" for name, value in numbers.items())
        terminalreporter.write_line(f"{test}: {shown}")
    if "path" in FIGURES_FILE:
        terminalreporter.write_line(f"written to {FIGURES_FILE['path']}")
