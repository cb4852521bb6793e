"""``runserver`` as staticfiles serves it, plus the periodic jobs in embedded mode
(``unisocial.devserver.beat``): ``inner_run`` is the serving process (the autoreloader's
child, or the only process with ``--noreload``), never the reloader's parent."""
from django.contrib.staticfiles.management.commands.runserver import Command as StaticfilesRunserver

from unisocial.devserver import beat


class Command(StaticfilesRunserver):
    help = StaticfilesRunserver.help + " In the embedded mode (no REDIS_URL), also runs the periodic jobs."

    def inner_run(self, *args, **options):
        if beat.start() is not None:
            self.stdout.write("Periodic jobs run in this process (embedded mode: no REDIS_URL, no celery beat).")
        super().inner_run(*args, **options)
