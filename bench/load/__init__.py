"""Load test of the site under gunicorn (docs/performance.md); see ``bench/load/run.py``."""
