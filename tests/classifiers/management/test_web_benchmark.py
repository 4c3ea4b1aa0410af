"""The web search benchmark on the small test sets: hats, trousers and shoes searched on a stand-in of
Wikimedia Commons whose results mix in photos of the other two classes, rubbish photos and edited copies,
through the app's own search jobs and training run."""

from __future__ import annotations

import io
import json
import random
import sys

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from classifiers.management.commons_standin import CommonsStandIn, Listing
from classifiers.management.picture_edits import BANNER_COLOUR, EDITS
from classifiers.models import Classifier, Photo
from scraper.providers.commons import Commons
from tests.classifiers.conftest import ENGINE_DATA

pytestmark = pytest.mark.django_db(transaction=True)  # the search and training are queued on commit


def _size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def test_the_benchmark_runs_the_app_on_mixed_search_results_and_reports_what_it_kept(isolated_data_dir):
    out = io.StringIO()
    call_command("web_benchmark", str(ENGINE_DATA / "clothing"), unrelated=str(ENGINE_DATA / "trashnet"),
                 right=8, lookalikes=2, unrelated_per_class=1, copies=4, json=True, stdout=out)
    lines = out.getvalue().strip().splitlines()
    result = json.loads(lines[-1])

    # 16 photos a class: 8 served as right photos, 2 served to the other classes, 6 never served.
    assert result["test_photos_per_seed"] == 18
    assert result["wrong_stored"] == {"lookalike": 6, "unrelated": 3}
    assert result["copies"]["served"] == 12
    # Every copy is refused at download, flagged as a duplicate, or kept (counted by its edit).
    copies = result["copies"]
    assert copies["refused"] + copies["flagged"] + copies["kept"] == 12
    assert sum(copies["kept_by_edit"].values()) == copies["kept"]
    assert copies["kept"] == 0  # none of the crops, shrunk, mirrored and bannered copies passes for a new photo
    assert copies["refused"] >= 3  # the mirrored and shrunk ones are refused at download
    assert result["false_merges"] == 0
    assert result["unrelated_flagged"] == 1.0
    for trained_as in ("as_found", "automatic", "flagged_dropped", "right_only"):
        assert 0.6 <= result["accuracy"][trained_as] <= 1.0
    assert 0 < result["reported_accuracy"] <= 1
    assert "accuracy on photos never served: as found" in lines[1]
    assert lines[2].startswith("  NanoWeb's flags (every kind): wrong photos flagged")
    assert lines[3].startswith("  cleanlab find_label_issues on the same out-of-fold probabilities: wrong photos")
    assert "edited copies kept:" in lines[4]
    for share in ("cleanlab_wrong_flagged", "cleanlab_lookalikes_flagged", "cleanlab_unrelated_flagged",
                  "cleanlab_right_flagged"):
        assert 0 <= result[share] <= 1
    # The throwaway classifier and every file it stored are gone.
    assert not Classifier.objects.exists() and not Photo.objects.exists()
    assert not [p for p in (isolated_data_dir / "media").rglob("*") if p.is_file()]


def test_folders_too_small_for_the_counts_are_refused_in_words():
    with pytest.raises(CommandError, match="every class needs 22 photos"):
        call_command("web_benchmark", str(ENGINE_DATA / "clothing"), unrelated=str(ENGINE_DATA / "trashnet"),
                     right=12, lookalikes=8, stdout=io.StringIO())


def test_the_stand_in_answers_as_commons_does_and_the_app_reads_it(settings, loopback_allowed):
    photo = (ENGINE_DATA / "clothing" / "hat").iterdir().__next__().read_bytes()
    width, height = _size(photo)
    listings = [Listing(name=f"hat-{i:02d}.jpg", body=photo, width=width, height=height) for i in range(12)]
    with CommonsStandIn({"Felt hat": listings}) as commons:
        settings.COMMONS_API_URL = commons.api_url
        first = Commons().search("felt  HAT", cursor=None, per_page=10)
        second = Commons().search("felt hat", cursor=first.next, per_page=10)
        nothing = Commons().search("umbrella", cursor=None, per_page=10)
        raw = commons.search({"action": "query", "generator": "search", "gsrnamespace": "6", "gsrsearch": "felt hat",
                              "prop": "imageinfo", "gsrlimit": "50", "formatversion": "2", "iiurlwidth": "1024"})
        refused = commons.search({"action": "query", "generator": "search", "gsrnamespace": "6",
                                  "gsrsearch": "felt hat", "prop": "imageinfo", "gsrlimit": "51"})

    assert [hit.title for hit in first.hits][:2] == ["hat-00", "hat-01"]  # ranked by "index", not page id
    assert first.next == {"gsroffset": 10, "continue": "gsroffset||"}
    assert [hit.title for hit in second.hits] == ["hat-10", "hat-11"] and second.next is None
    assert nothing.hits == [] and nothing.next is None
    assert first.hits[0].license == "CC0" and first.hits[0].author == "NanoWeb benchmark"
    page = raw["query"]["pages"][0]
    # Asked wider than the original, the rendition is the original itself, as on Commons.
    assert page["imageinfo"][0]["thumburl"] == page["imageinfo"][0]["url"]
    assert page["imageinfo"][0]["thumbwidth"] == width
    assert refused["error"]["code"] == "toomanyvalues"


def test_the_four_edits_do_what_their_names_say():
    original = next((ENGINE_DATA / "clothing" / "shoes").iterdir()).read_bytes()
    width, height = _size(original)
    copies = {name: edit(original, random.Random(0)) for name, edit in EDITS.items()}
    assert _size(copies["crop"]) == (round(width * 0.8), round(height * 0.8))
    assert _size(copies["small"]) == (width // 2, height // 2)
    assert len(copies["small"]) < len(original) / 2
    with Image.open(io.BytesIO(original)) as a, Image.open(io.BytesIO(copies["mirror"])) as b:
        left, mirrored_right = a.convert("L").getpixel((2, height // 2)), b.convert("L").getpixel((width - 3,
                                                                                                    height // 2))
        assert abs(left - mirrored_right) < 40
    with Image.open(io.BytesIO(copies["banner"])) as image:
        corner = image.convert("RGB").getpixel((width - 2, height - 2))
        assert all(abs(a - b) < 12 for a, b in zip(corner, BANNER_COLOUR, strict=True))


def test_without_cleanlab_it_says_in_one_sentence_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "cleanlab", None)  # importing it now fails as if it were not installed
    with pytest.raises(CommandError, match=r"^cleanlab is not installed.*requirements-dev\.txt.*run this again$"):
        call_command("web_benchmark", str(ENGINE_DATA / "clothing"), unrelated=str(ENGINE_DATA / "trashnet"),
                     stdout=io.StringIO())
