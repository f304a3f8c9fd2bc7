"""Figures from the reliability tests, so that docs/reliability.md quotes a real run."""

import os

FIGURES = {}


def record(test, **numbers):
    """Add `numbers` to what `test` has recorded (counts add up, anything else is replaced)."""
    kept = FIGURES.setdefault(test, {})
    for name, value in numbers.items():
        if isinstance(value, int) and not isinstance(value, bool) and name in kept:
            kept[name] += value
        else:
            kept[name] = value


def database_kind():
    """Which database the run's shared tests use (the fault test brings its own)."""
    return "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
