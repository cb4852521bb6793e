"""Browser fixtures (the journeys, accessibility and XSS tests): Playwright driving Debian's Chromium.

Used by tests/e2e/ and the XSS test in tests/security/ (their conftests import
the fixtures). Every browser test skips, with the reason, where
``/usr/bin/chromium`` (or ``$CHROMIUM``) is not found; ``.ci/run`` installs it
so that CI runs them for real. Playwright's own browser download is never used.
"""
import os
from pathlib import Path

import pytest

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
ROOT = Path(__file__).resolve().parents[1]
# Screenshots go to docs/screenshots/ only when asked (UNISOCIAL_SCREENSHOTS=1,
# README "Screenshots"), so that a test run does not rewrite tracked files.
SCREENSHOTS = ROOT / "docs" / "screenshots"


def chromium_missing_reason():
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module; stopped after it, so the event loop Playwright's sync
    API keeps in this thread (and the async-safety switch below) end with the module."""
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the tests' ORM calls (setting
    # up data, checking results) are synchronous all the same. Only while the browser runs:
    # a subprocess started later (manage.py check --deploy) must not inherit it.
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def page(browser, live_server):
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    context = browser.new_context(viewport=VIEWPORT, base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    yield page
    context.close()


def sign_in(page, username, next_url="/"):
    """Sign in with the demo password at /accounts/login/?next=…, as someone new: the cookies of
    whoever was signed in before are dropped first."""
    from tests.factories import PASSWORD

    page.context.clear_cookies()
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


NARROW = {"width": 390, "height": 844}


def page_width(page):
    """How wide the page's content is: wider than the viewport means it scrolls sideways."""
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


WIDEST = """limit => [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > limit && !el.closest('.table-scroll *'))
    .slice(0, 8)
    .map(el => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)} px`)"""


def too_wide(page, limit):
    """The elements that reach past ``limit`` px, for the message of a failed fit."""
    return page.evaluate(WIDEST, limit)


@pytest.fixture
def shoot(tmp_path):
    """``shoot(page, "home")``: a 1280×800 screenshot and a 390×844 one (a phone), kept in
    docs/screenshots/ and docs/screenshots/390/ when asked. At 390 px the page must not
    scroll sideways: the fit is asserted on every page a journey shoots."""
    keep = os.environ.get("UNISOCIAL_SCREENSHOTS") == "1"
    folder = SCREENSHOTS if keep else tmp_path

    def take(page, name):
        # A name may hold a folder ("ar/home": docs/screenshots/ar/home.png and 390/ar/home.png).
        (folder / "390" / name).parent.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")  # the top of the page, not the anchor a redirect scrolled to
        page.screenshot(path=str(path), full_page=False)
        wide = page.viewport_size
        page.set_viewport_size(NARROW)
        try:
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(folder / "390" / f"{name}.png"), full_page=False)
            width = page_width(page)
            assert width <= NARROW["width"], (
                f"{name} scrolls sideways at 390 px: {width} px wide; {too_wide(page, NARROW['width'])}"
            )
        finally:
            page.set_viewport_size(wide)
        return path

    return take


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def check_a11y(axe):
    """Run axe-core (WCAG 2.1 A/AA rules) on the page: no serious or critical violation."""

    def check(page, name):
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(node["target"][0] if isinstance(node["target"][0], str) else str(node["target"])
                        for node in v["nodes"][:5])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, f"axe on {name} ({page.url}):\n" + "\n".join(bad)
        return results

    return check


@pytest.fixture
def fresh_caches():
    """Transactional tests flush the database, and post_migrate recreates content types and
    permissions with new ids: forget the per-process copies of the old rows."""
    from django.contrib.contenttypes.models import ContentType

    from communities import models as community_models

    ContentType.objects.clear_cache()
    community_models._ROLE_PERMISSIONS.clear()
    yield
    ContentType.objects.clear_cache()
    community_models._ROLE_PERMISSIONS.clear()


def ensure_current_terms():
    """Committed terms for a live-server test: a transactional test may have flushed the
    migration's row, and every journey starts behind the terms gate."""
    from django.utils import timezone

    from unisocial.models import TermsVersion

    if TermsVersion.current() is None:
        TermsVersion.objects.create(
            version="2026-1",
            title="Terms of use",
            text="Use unisocial for work, within ST/SGB/2004/15.",
            published_at=timezone.now() - timezone.timedelta(days=1),
        )
