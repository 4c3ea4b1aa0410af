"""Scraper workflows used by the pages and the API. Import from here: `from scraper.services import ...`."""

from scraper.services.examples import (
    DuplicateImage,
    ImportResult,
    Provenance,
    example_add,
    example_add_normalised,
)
from scraper.services.imports import examples_import_page, examples_import_urls
from scraper.services.search_jobs import (
    search_job_cancel,
    search_job_create,
    search_job_execute,
    search_job_find_more,
    search_jobs_fail_stale,
)
from scraper.services.uploads import examples_add_uploads

__all__ = [
    "DuplicateImage",
    "ImportResult",
    "Provenance",
    "example_add",
    "example_add_normalised",
    "examples_add_uploads",
    "examples_import_page",
    "examples_import_urls",
    "search_job_cancel",
    "search_job_create",
    "search_job_execute",
    "search_job_find_more",
    "search_jobs_fail_stale",
]
