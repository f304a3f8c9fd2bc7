"""Sample data the tests share."""

# A RAG context with passages of two shapes, a newline, and characters JSON and NDJSON must
# carry unharmed (U+2028 splits lines for some readers).
CONTEXT = {
    "chunks": [
        {"source": "refunds.md", "score": 0.91, "text": "Refunds within 30 days.\nNo receipt."},
        {"url": "https://example.com/terms", "text": "Terms apply.", "page": 3},
    ],
    "model": "gpt-4o-mini",
    "unicode": "ümlaut 🙂 \u2028",
}
