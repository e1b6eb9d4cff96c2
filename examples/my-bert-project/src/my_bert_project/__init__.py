"""my-bert-project."""
