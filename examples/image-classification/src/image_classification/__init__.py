"""image-classification."""
