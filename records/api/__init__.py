"""Records management in the JSON API (SPEC §4, §6), under /api/v1/records/, one module per job
of the records officers (the same rooms as ``records.views``):

* ``disposition`` — ``schedules/`` (retention schedules) and ``batches/`` (items, approval, certificate);
* ``holds`` — ``holds/``: place, list, release;
* ``reports`` — ``inventory/``, ``due/``: aggregated report JSON;
* ``staleness`` — ``stale/`` (the report) and the owners' ``stale/{slug}/still-in-use/``;
* ``declassification`` — ``declassification/``: the review list and decisions;
* ``common`` — the records officers' permission.

Records officers only (everyone else 403, anonymous 401/403), except the owners' still-in-use
and the authors' own items in the declassification review.
Every write goes through the records services, whose ``ValidationError`` /
``PermissionDenied`` the project's exception handler turns into 400 / 403.
``records/api_urls.py`` imports the modules directly.
"""
