"""Who is calling: API keys and the callers they stand for, and the brute-force guard."""
