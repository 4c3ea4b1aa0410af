"""Every route the site serves, read from Django's URL resolver, with its path parameters filled in.

Security tests walk these rather than a hand-written list, so a route added later is walked too: a new path
parameter with no value in `fill` fails loudly instead of being skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
# Methods a class-based view is walked with, when it has a handler for them (HEAD and OPTIONS reveal nothing).
WALKED_METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Route:
    name: str  # the URL name, or for an unnamed route its pattern
    route: str  # the full pattern from the site root, e.g. "classifiers/<uuid:classifier_id>/delete/"
    callback: Callable
    regex: bool  # a re_path: its URL cannot be built from parameters

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def parameters(self) -> list[str]:
        return [match["name"] for match in PARAMETER.finditer(self.route)]

    def methods(self) -> list[str]:
        """The methods the view answers. A function view cannot say, so it is walked with GET and POST
        (a view that takes neither answers 405, which the walk accepts as a refusal)."""
        view = getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)
        if view is None:
            return ["GET", "POST"]
        allowed = getattr(view, "http_method_names", WALKED_METHODS)
        return [m.upper() for m in WALKED_METHODS if m in allowed and hasattr(view, m)]

    def url(self, values: dict[str, object], *, regex_path: str = "") -> str:
        if self.regex:
            return regex_path

        def value(match: re.Match) -> str:
            if match["name"] not in values:
                raise KeyError(
                    f"The route {self.route!r} ({self.name}) has a parameter <{match['name']}> the security walk "
                    "has no value for: give it a real object of the owner in the walk's world."
                )
            return str(values[match["name"]])

        return "/" + PARAMETER.sub(value, self.route)

    def __str__(self) -> str:
        return self.name


def site_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns: list, prefix: str, regex: bool) -> None:
        for pattern in patterns:
            part = pattern.pattern
            if isinstance(part, RoutePattern):
                text, is_regex = str(part), regex
            elif isinstance(part, RegexPattern):
                text, is_regex = str(part).lstrip("^").rstrip("$"), True
            else:  # pragma: no cover - LocalePrefixPattern is not used
                raise TypeError(f"unknown URL pattern kind {type(part).__name__}")
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + text, is_regex)
            elif isinstance(pattern, URLPattern):
                routes.append(Route(pattern.name or prefix + text, prefix + text, pattern.callback, is_regex))

    walk(get_resolver().url_patterns, "", False)
    return routes
