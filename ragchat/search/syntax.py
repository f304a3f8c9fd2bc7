"""The search box's syntax, read once in Python and written out for each database.

The syntax is the web-search one of PostgreSQL's `websearch_to_tsquery`: words are all
required, `"quoted words"` must appear together in that order, `OR` between words offers
alternatives (everything on one side of an OR against everything on the other, as
PostgreSQL groups it), and `-word` or `-"some words"` excludes. On top of it the last word
typed also matches as a prefix (`retriev` finds "retrieval"), for search-as-you-type.

Parsing it here rather than in SQL gives both databases the same meaning and makes every
query safe by construction: only runs of letters and digits reach the database, inside
quotes that nothing in them can close.
"""

import re
from dataclasses import dataclass, field

from ragchat.exceptions import InvalidInput

MAX_TERMS = 32

TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Term:
    """One word, or words that must appear together in order (a phrase)."""

    words: tuple[str, ...]
    prefix: bool = False  # the last word may be the start of a longer one


@dataclass
class Group:
    """Terms that must all match, and terms that must not."""

    required: list[Term] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)


def parse(text):
    """The groups of a search (any one may match); InvalidInput if nothing can be looked for."""
    groups = [Group()]
    last_plain = None
    for match in TOKEN.finditer(text):
        negated, quoted, plain = match[1], match[2], match[3]
        if plain is not None and plain.lower() == "or":
            if groups[-1].required:
                groups.append(Group())
            continue
        if plain is not None and plain.startswith("-") and len(plain) > 1:
            negated, plain = "-", plain[1:]
        words = tuple(word.lower() for word in WORD.findall(quoted if plain is None else plain))
        if not words:
            continue
        term = Term(words)
        (groups[-1].excluded if negated else groups[-1].required).append(term)
        last_plain = (groups[-1], term) if plain is not None and not negated else None
    if last_plain is not None and not text.rstrip().endswith('"'):
        group, term = last_plain
        group.required[group.required.index(term)] = Term(term.words, prefix=True)
    groups = [group for group in groups if group.required]
    if not groups:
        raise InvalidInput("q", "Give at least one word to find ('-word' only excludes).")
    if sum(len(g.required) + len(g.excluded) for g in groups) > MAX_TERMS:
        raise InvalidInput("q", f"At most {MAX_TERMS} words or phrases.")
    return groups


def to_tsquery(groups):
    """PostgreSQL `to_tsquery` text; the database's dictionary still stems each word."""

    def term(t):
        words = [f"'{word}'" for word in t.words]
        if t.prefix:
            words[-1] += ":*"
        return "(" + " <-> ".join(words) + ")"

    def group(g):
        return " & ".join([*map(term, g.required), *(f"!{term(t)}" for t in g.excluded)])

    return " | ".join(f"({group(g)})" for g in groups)


def to_fts5(groups):
    """An SQLite FTS5 query: each term a quoted string, `*` making its last word a prefix."""

    def term(t):
        return '"' + " ".join(t.words) + '"' + ("*" if t.prefix else "")

    def group(g):
        required = "(" + " AND ".join(map(term, g.required)) + ")"
        return required + "".join(f" NOT {term(t)}" for t in g.excluded)

    return " OR ".join(f"({group(g)})" for g in groups)
