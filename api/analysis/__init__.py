"""Serving the analysis of ``graph``: cached answers keyed by their data, background jobs."""
