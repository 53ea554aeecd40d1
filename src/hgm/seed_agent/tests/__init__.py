"""The agent's own unit tests (stdlib unittest; no LLM, no network beyond 127.0.0.1)."""
