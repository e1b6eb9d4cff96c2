"""text-generation."""
