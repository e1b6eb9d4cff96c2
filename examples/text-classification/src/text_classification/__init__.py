"""text-classification."""
