"""token-classification."""
