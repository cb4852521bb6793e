"""Settings of the load test (``bench/load/run.py``): the benchmark settings
(production settings with ``DEBUG=False``, ``bench/settings.py``) plus only what
a load run on loopback needs. Nothing here is imported by the site itself.

* ``ROOT_URLCONF``: the site's URLs plus ``/bench/minimal/`` (the ceiling view,
  ``bench/load/urls.py``), so the ceiling goes through the same middleware;
* persistent database connections (``CONN_MAX_AGE = None``; production's
  default is 60 s, from the environment), as a long-running gunicorn worker
  would be configured; no ``CONN_HEALTH_CHECKS`` (off in production too: it
  would add a ``SELECT 1`` to every request);
* ``POST_RATE_PER_HOUR`` raised: the posting share of the mix goes to 200 users
  and must not hit the per-person hourly limit (a 429 would be counted as an
  error of the run, not of the site);
* Celery through Redis when ``REDIS_URL`` is set, as in production (the bench
  settings force eager tasks; bench posts mention nobody, so nothing is queued).
"""
from bench.settings import *  # noqa: F403
from bench.settings import DATABASES, REDIS_URL

ROOT_URLCONF = "bench.load.urls"
DATABASES["default"]["CONN_MAX_AGE"] = None
POST_RATE_PER_HOUR = 100_000
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
