"""Load test of the site under gunicorn (issue 7 item 5); see ``bench/load/run.py``."""
