"""Records management in the browser (SPEC §4), one module per job of the records officers.

* ``reports`` — the dashboard at ``/records/`` and the long reports (inventory, due for
  disposition, the access log of strictly confidential items), computed in Celery;
* ``staleness`` — the stale-communities report, and the owners' answer to a flag;
* ``schedules`` — retention schedules: list, create, edit, history, and "Gather now";
* ``holds`` — placing and releasing holds;
* ``disposition`` — disposition batches: list, items, approval, certificate;
* ``declassification`` — the declassification review list and its decisions;
* ``common`` — what they share: ``officer_required``, pagination, CSV, chart geometry.

Records officers only (everyone else 403, anonymous to the login page), except the owners'
``still_in_use``. Metadata only: no page or CSV here shows a title or a body. Each report is
exported as CSV with ``?format=csv``. ``records/urls.py`` imports the modules directly.
"""
