"""Reads: what the pages and the API show, computed in queries (services push, selectors pull)."""
