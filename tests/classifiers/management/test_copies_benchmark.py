"""The copies benchmark on the small test set: different photos are never merged, and every edited copy is
refused at download or caught once stored."""

from __future__ import annotations

import io
import json

from django.core.management import call_command

from tests.classifiers.conftest import ENGINE_DATA


def test_no_different_photos_are_merged_and_every_edited_copy_is_caught():
    out = io.StringIO()
    call_command("copies_benchmark", str(ENGINE_DATA / "trashnet"), edited=3, json=True, stdout=out)
    lines = out.getvalue().strip().splitlines()
    result = json.loads(lines[-1])
    assert result["photos"] == 24
    assert result["different_photos_merged"] == 0 and result["merged"] == []
    assert result["highest_different_score"] is None or result["highest_different_score"] < result["bar"]
    for edit, counts in result["copies"].items():
        assert sum(counts.values()) == 3, edit
        assert counts["missed"] == 0, edit
    assert result["copies"]["mirror"]["refused"] == 3  # the mirror image's hash gives a mirrored copy away
    assert "different photos merged: 0" in lines[0]
