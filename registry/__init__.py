"""The domain of the participation registry: models, selectors (reads), services (writes)."""
