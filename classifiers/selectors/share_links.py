"""Share links: a classifier's live links for its owner, and the one live link a public address names."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from classifiers.models import Classifier, ShareLink
from nanoweb.errors import NotFound


class LinkGone(NotFound, Http404):
    """No live link has this token (never made, revoked, or its classifier deleted): a 404 like any other."""


def share_links_live(classifier: Classifier) -> QuerySet[ShareLink]:
    return ShareLink.objects.filter(classifier=classifier, revoked_at__isnull=True)


def share_link_live(token: str) -> ShareLink:
    """The link with this token if it is live. Read from the database on every request, never cached, so
    a revoked link is a 404 at once in every web process."""
    link = (ShareLink.objects.filter(token=token, revoked_at__isnull=True)
            .select_related("classifier__active_version").first())
    if link is None:
        raise LinkGone("There is no shared classifier at this address, or its owner has stopped sharing it.")
    return link
