"""A real browser (Debian's Chromium through Playwright) against NanoWeb served by a real HTTP server
(pytest-django's live_server), with a real Celery worker process over Redis for training.

The worker shares the test database and the test's data folder (media, models, feature cache), so what
the browser uploads the worker reads, and what the worker trains the server serves.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from django.db import connection

from tests.services import require_redis
from tests.worker import REPO, celery_worker, database_url_of_test_db, process_env

ARTIFACTS = REPO / "test-artifacts"
PHOTOS = REPO / "tests" / "data" / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    # Playwright's sync API runs an event loop in this thread; the Django calls the tests make between
    # browser steps are ordinary blocking ones, so Django's async guard would refuse them needlessly.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser context (no cookies) at desktop size, whose console errors fail the test."""
    context = chromium.new_context(viewport=DESKTOP, base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"the browser console reported errors: {errors}"


# A person who signs in through the log-in page itself, as a newcomer does (logged_in skips the page).
ADA_PASSWORD = "a long enough password 7"


@pytest.fixture
def ada():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("ada", "ada@example.org", ADA_PASSWORD)


def log_in(page, password: str = ADA_PASSWORD) -> None:
    """Sign in as ada through the log-in page."""
    from playwright.sync_api import expect

    page.goto("/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out (ada)")).to_be_visible()


def logged_in(page, live_server, user) -> None:
    """The browser signed in as `user`, with a session made by Django's test client."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])


def screenshot(page, name: str) -> None:
    """Save the whole page at desktop and at phone width under test-artifacts/, for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    size = page.viewport_size
    # A full-page picture does not scroll, so lazy thumbnails below the fold would show empty.
    page.evaluate("""() => Promise.all([...document.images].map(img => {
        img.loading = "eager";
        return img.complete ? null : new Promise(done => { img.onload = img.onerror = done; });
    }))""")
    page.screenshot(path=ARTIFACTS / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=ARTIFACTS / f"{name}-phone.png", full_page=True)
    # A phone-width page that scrolls sideways hides part of itself; wide tables scroll inside their box.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    page.set_viewport_size(size)
    assert overflow <= 0, f"{name}: at phone width the page is {overflow}px wider than the screen"


@contextmanager
def publishing_to(broker_url: str) -> Iterator[None]:
    """Make this process's Celery app (which the live server's views use) publish to `broker_url`,
    then put it back. Celery builds its connection pools lazily, so dropping them takes effect at once."""
    from nanoweb.celery import app

    saved = (app.conf.broker_url, app.conf.broker_transport_options)

    def reset_pools() -> None:
        app._pool = None
        if "amqp" in app.__dict__:
            app.amqp._producer_pool = None

    app.conf.broker_url, app.conf.broker_transport_options = broker_url, {}
    reset_pools()
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = saved
        reset_pools()


@pytest.fixture
def worker_with(live_server, isolated_data_dir):
    """Start a Celery worker process on Redis, sharing the test database and this test's data folder,
    with extra environment (stand-in search services); stopped at the end of the test."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker shares the test database only on PostgreSQL (DATABASE_URL=postgres://...)")
    broker = require_redis()
    with ExitStack() as stack:
        def start(**extra_env: str):
            env = process_env(DATABASE_URL=database_url_of_test_db(), NANOWEB_DATA_DIR=str(isolated_data_dir),
                              CELERY_BROKER_URL=broker, NANOWEB_TASKS_EAGER=None, **extra_env)
            stack.enter_context(publishing_to(broker))
            return stack.enter_context(celery_worker(env))

        yield start


@pytest.fixture
def worker(worker_with):
    return worker_with()
