"""Which licence names count as open for "open licences only"."""

from __future__ import annotations

import pytest

from classifiers.open_licences import is_open_licence


@pytest.mark.parametrize(
    "name",
    ["CC BY-SA 4.0", "CC BY 2.0", "cc-by-sa", "CC0 1.0", "CC0", "Public domain", "PDM 1.0", "public domain mark"],
)
def test_open_licences_are_accepted(name):
    assert is_open_licence(name)


@pytest.mark.parametrize(
    "name", ["", "   ", "CC BY-NC 2.0", "CC BY-NC-SA 3.0", "CC BY-ND 4.0", "All rights reserved", "GFDL", "unknown"]
)
def test_closed_or_unknown_licences_are_not(name):
    assert not is_open_licence(name)
