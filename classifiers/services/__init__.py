"""Workflows for classifiers, used by both the pages and the API (services push, selectors pull).

catalog      classifiers and their classes (labels): create, rename, delete; cleanup: their files once gone
removals     photos removed with an "Undo" for a while
photos       add one photo: normalise, refuse a duplicate, flag the same picture in another class
uploads      a person's own files and zips; imports: image links and web pages; dedup: finding copies
search_jobs  a web search for photos of one class, run in a worker
flags        doubts about photos from their features (duplicates, outliers, misclassified); review: act on them
jobs         the life of a background job (queue on commit, claim, heartbeat, orphaned, fail in words)
training     training runs and model versions; recovery: work orphaned by a dead worker
prediction   answers from a version, and the version as a download
"""
