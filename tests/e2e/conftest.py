"""Browser journeys and accessibility checks: fixtures in tests/browser.py."""
import pytest

from tests.browser import axe, browser, check_a11y, fresh_caches, page, shoot  # noqa: F401
from tests.identity.oidc_provider import oidc, provider  # noqa: F401 (the real OpenID provider)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.browser)
