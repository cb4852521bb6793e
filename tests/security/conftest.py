"""Security tests: shared reporting; browser fixtures for the XSS test."""
from tests.browser import browser, fresh_caches, page  # noqa: F401

from .matrix import ADMIN_CASES, CRAWLED, MATRIX_CASES


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    counts = config.stash.get(MATRIX_CASES, [])
    if counts:
        admin = sum(config.stash.get(ADMIN_CASES, []))
        terminalreporter.write_line(f"authorization matrix: {sum(counts)} cases ({admin} on the two admin sites)")
    crawled = config.stash.get(CRAWLED, {})
    if crawled:
        pages = ", ".join(f"{role} {n}" for role, n in crawled.items())
        terminalreporter.write_line(f"red-team crawl: {sum(crawled.values())} pages ({pages})")
