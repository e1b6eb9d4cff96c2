"""demo-app."""
