"""Security tests (issue 7 items 3, 4, 6): shared reporting; browser fixtures for the XSS test."""
from tests.browser import browser, fresh_caches, page  # noqa: F401

from .matrix import MATRIX_CASES


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    counts = config.stash.get(MATRIX_CASES, [])
    if counts:
        terminalreporter.write_line(f"authorization matrix: {sum(counts)} cases")
