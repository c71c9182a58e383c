"""Use-cases. The one layer that commits; views and CLI commands call these."""
