"""Running a long records report in tests: Celery is eager, and the task is queued on commit."""
from django.test import TestCase

from records import report_runs

LONG_REPORTS = [str(kind) for kind in report_runs.LONG_REPORTS]


def run_report(officer, kind):
    """Request a run of ``kind`` as ``officer`` and let it run (its on-commit enqueue fires)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        run, _created = report_runs.report_request(actor=officer, kind=kind)
    run.refresh_from_db()
    return run


def run_all_reports(officer):
    return {kind: run_report(officer, kind) for kind in LONG_REPORTS}
