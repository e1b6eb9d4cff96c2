"""text-to-image."""
