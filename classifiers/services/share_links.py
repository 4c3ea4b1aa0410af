"""Share links: a public, revocable address of one classifier's try-it page (see ShareLink).

The token is long and random (secrets.token_urlsafe), so the address cannot be guessed; whoever has it may
ask the classifier about photos and sees only the answers and the class names.
"""

from __future__ import annotations

import secrets
from uuid import UUID

from django.utils import timezone

from classifiers.models import Classifier, ShareLink
from classifiers.selectors.share_links import share_links_live
from nanoweb.errors import Conflict, NotFound, refuse_invisible_characters

TOKEN_BYTES = 24  # 32 URL-safe characters
MAX_LIVE_LINKS = 20


def share_link_create(*, classifier: Classifier, name: str = "") -> ShareLink:
    name = refuse_invisible_characters(" ".join(name.split()), what="link's name", field="name")
    if share_links_live(classifier).count() >= MAX_LIVE_LINKS:
        raise Conflict(f"A classifier can have at most {MAX_LIVE_LINKS} share links; stop sharing one first.")
    return ShareLink.objects.create(classifier=classifier, name=name[:100],
                                    token=secrets.token_urlsafe(TOKEN_BYTES))


def share_link_revoke(*, classifier: Classifier, link_id: UUID) -> ShareLink:
    """From now on the link's address is a 404, in every process (share_link_live reads this row)."""
    link = share_links_live(classifier).filter(id=link_id).first()
    if link is None:
        raise NotFound(f"Classifier {classifier.id} has no live share link with id {link_id}.")
    ShareLink.objects.filter(id=link.id).update(revoked_at=timezone.now())
    link.refresh_from_db()
    return link
