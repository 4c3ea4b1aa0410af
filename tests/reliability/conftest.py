"""The reliability tests reuse the engine's classifiers of real photos (the stand-in web is tests/conftest.py's)."""

from tests.classifiers.conftest import clothes, owner  # noqa: F401
