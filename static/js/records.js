/* Batch progress on /records/batches/<id>/: poll the API every 2 s and update the
   <progress> and the aria-live status. Without JavaScript the "Refresh" link does it. */
(function () {
  "use strict";
  var region = document.querySelector("[data-batch-progress]");
  if (!region || !window.fetch) { return; }
  var url = region.getAttribute("data-url");
  var bar = region.querySelector("progress");
  var text = region.querySelector(".records-progress__text");
  var status = region.querySelector("[data-batch-status]");
  // The djangojs catalogue (/jsi18n/, loaded first by templates/base.html); English when it is absent.
  var gettext = window.gettext || function (s) { return s; };
  var ngettext = window.ngettext || function (s, p, n) { return n === 1 ? s : p; };
  function fill(format, values) {
    return format.replace(/%\((\w+)\)s/g, function (whole, name) { return String(values[name]); });
  }
  var labels = { pending: gettext("Waiting for the offices of record"),
    confirmed: gettext("Confirmed, waiting for approval"), approved: gettext("Approved, waiting to run"),
    running: gettext("Running"), completed: gettext("Completed") };
  var lastState = region.getAttribute("data-state");
  if (lastState === "completed" || lastState === "pending" || lastState === "confirmed") { return; }

  function update(batch) {
    if (bar) { bar.max = Math.max(batch.total, 1); bar.value = batch.done; bar.textContent = batch.done + "/" + batch.total; }
    var counts = { state: labels[batch.state] || batch.state, done: batch.done, total: batch.total,
      disposed: batch.disposed, skipped: batch.skipped };
    if (text) { text.textContent = fill(gettext("%(done)s of %(total)s done"), counts); }
    var line = fill(gettext("%(state)s: %(done)s of %(total)s done (%(disposed)s in quarantine or disposed of, %(skipped)s skipped)."), counts);
    if (status && status.textContent !== line) { status.textContent = line; }
    region.setAttribute("data-state", batch.state);
    return batch.state;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (batch) {
        var state = update(batch);
        if (state === "completed") {
          if (lastState !== "completed") { window.location.reload(); }
          return;
        }
        lastState = state;
        window.setTimeout(poll, 2000);
      })
      .catch(function () { /* keep the Refresh link; stop polling */ });
  }
  window.setTimeout(poll, 2000);
})();

/* Report runs on /records/inventory/, /records/due/, /records/access-log/: while a run is
   queued or running, poll its progress JSON every 2 s, update the <progress>, the step count
   and the aria-live status (sentences come translated from the server); reload once the run
   has finished or failed, to show its result or its error. Without JavaScript the "Refresh"
   link does it. */
(function () {
  "use strict";
  var region = document.querySelector("[data-report-progress]");
  if (!region || !window.fetch) { return; }
  var url = region.getAttribute("data-url");
  var bar = region.querySelector("progress");
  var text = region.querySelector(".records-progress__text");
  var status = region.querySelector("[data-report-status]");
  var underWay = { queued: true, running: true };
  if (!underWay[region.getAttribute("data-state")]) { return; }

  function update(run) {
    if (bar) { bar.max = Math.max(run.total, 1); bar.value = run.done; bar.textContent = run.done + "/" + run.total; }
    if (text && text.textContent !== run.text) { text.textContent = run.text; }
    if (status && status.textContent !== run.status) { status.textContent = run.status; }
    region.setAttribute("data-state", run.state);
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (run) {
        update(run);
        if (run.state === "done" || run.state === "failed") { window.location.reload(); return; }
        if (run.state === "stalled") { return; }  /* the status says so; the Refresh link offers to run again */
        window.setTimeout(poll, 2000);
      })
      .catch(function () { /* keep the Refresh link; stop polling */ });
  }
  window.setTimeout(poll, 2000);
})();

/* Community exports on /communities/<slug>/exports/<id>/ (and the owner's list of exports): while
   an export is queued or running, poll its progress JSON every 2 s, update the <progress>, the item
   count and the aria-live status; reload once it is done or failed, to show the download link or
   the error. Without JavaScript the "Refresh" link does it. */
(function () {
  "use strict";
  var regions = document.querySelectorAll("[data-export-progress]");
  if (!regions.length || !window.fetch) { return; }
  var underWay = { queued: true, running: true };

  function watch(region) {
    var url = region.getAttribute("data-url");
    var bar = region.querySelector("progress");
    var text = region.querySelector(".records-progress__text");
    var status = region.querySelector("[data-export-status]");
    if (!underWay[region.getAttribute("data-state")]) { return; }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (e) {
          if (bar) { bar.max = Math.max(e.total, 1); bar.value = e.done; bar.textContent = e.done + "/" + e.total; }
          if (text && text.textContent !== e.text) { text.textContent = e.text; }
          if (status && status.textContent !== e.status) { status.textContent = e.status; }
          region.setAttribute("data-state", e.state);
          if (e.state === "done" || e.state === "failed") { window.location.reload(); return; }
          if (e.state === "stalled") { return; }
          window.setTimeout(poll, 2000);
        })
        .catch(function () { /* keep the Refresh link; stop polling */ });
    }
    window.setTimeout(poll, 2000);
  }
  Array.prototype.forEach.call(regions, watch);
})();
