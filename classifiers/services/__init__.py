"""Workflows for classifiers, used by both the pages and the API.

catalog: classifiers and labels; training: runs, versions; prediction: answers from the active version.
"""
