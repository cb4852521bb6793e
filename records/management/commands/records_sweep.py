"""``records_sweep [--as-of YYYY-MM-DD]``: the records jobs once, in process (SPEC §6).

Flags and archives stale communities, gathers due items into batches, runs
the approved batches not yet run (their items go to quarantine) and purges the
quarantined items whose restore window has passed, as if today were ``--as-of``:
every date it writes (quarantine, purge, certificate) counts from that date;
it also removes the community exports past their seven days. The staleness
and gathering jobs share their once-per-day key with the beat jobs, so a
sweep and a beat on the same day do not both run.
"""
import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from records import disposition, exports, jobs, quarantine, staleness
from records.models import DispositionBatch


class Command(BaseCommand):
    help = "Run the staleness and disposition jobs once, in process (records management, SPEC §4)."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="Run as if today were this date (YYYY-MM-DD).")

    def handle(self, *args, as_of=None, **options):
        if as_of:
            try:
                day = dt.date.fromisoformat(as_of)
            except ValueError:
                raise CommandError(f"--as-of must be a date written YYYY-MM-DD, not {as_of!r}.") from None
            now = jobs.as_of_datetime(day)
        else:
            now = timezone.now()
        window = jobs.daily_window(now)
        report = self.stdout.write

        flagged = jobs.run_once(jobs.STALENESS, window, lambda: staleness.staleness_sweep(now=now))
        if flagged is None:
            report(f"Staleness: already ran for {window}.")
        else:
            report(f"Staleness: {flagged['flagged']} flagged, {flagged['archived']} archived, "
                   f"{flagged['cleared']} active again.")
        gathered = jobs.run_once(jobs.GATHER_DUE, window, lambda: disposition.gather_due(now=now))
        if gathered is None:
            report(f"Gathering: already ran for {window}.")
        else:
            report(f"Gathering: {gathered['items']} due items in {gathered['batches']} new batches.")
        runnable = DispositionBatch.objects.filter(
            state__in=[DispositionBatch.State.APPROVED, DispositionBatch.State.RUNNING]
        ).order_by("pk").values_list("pk", flat=True)
        batch_ids = list(runnable)
        for batch_id in batch_ids:
            disposition.run_batch(batch_id, now=now)
        for batch in DispositionBatch.objects.filter(pk__in=batch_ids).order_by("pk"):
            report(f"Batch {batch.pk}: {batch.state}, {batch.disposed} in quarantine, {batch.skipped} skipped.")
        purged = quarantine.purge_due(now=now)
        report(f"Purge: {purged['purged']} items purged from quarantine in {purged['batches']} batches.")
        expired = exports.expire_exports(now=now)
        report(f"Community exports: {expired['removed']} removed from storage.")
        self.stdout.write(self.style.SUCCESS(f"Records sweep done as of {now:%Y-%m-%d}."))
