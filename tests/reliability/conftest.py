"""The reliability tests reuse the engine's classifiers of real photos and the scraper's stand-in web."""

from tests.classifiers.conftest import clothes, owner  # noqa: F401
from tests.scraper.conftest import web  # noqa: F401
