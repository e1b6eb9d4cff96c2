"""question-answering."""
