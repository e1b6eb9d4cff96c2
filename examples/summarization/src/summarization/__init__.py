"""summarization."""
