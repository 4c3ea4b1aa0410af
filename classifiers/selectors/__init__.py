"""Reads: what the pages and the API show, computed in queries (services push, selectors pull). One module
a subject: owned (fetch an object if it is this user's, 404 otherwise), catalog (classifiers and their
classes), photos, review (flags and doubts), search (web searches and their yields), training (runs,
versions, results). Selectors import models and each other, never services."""
