/* Drafts (SPEC §2.3): the body is saved in localStorage as the person types, keyed by the form's
 * address and the person, restored after a reload (or a session timeout and a new sign-in), and
 * forgotten once the server has the text (static/js/drafts-clear.js, after its redirect). A visible status line (aria-live) says when it was saved. */
export function draftsFor(form, fieldId, status) {
  var user = form.getAttribute("data-draft-user") || "";
  var address = form.getAttribute("action") || location.pathname + location.search;
  var key = user ? "unisocial:draft:" + user + ":" + address + "#" + fieldId : null;
  var pending = null;

  function say(text) {
    if (!status) { return; }
    status.textContent = text || "";
  }
  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }
  function now() {
    var d = new Date();
    return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
  }

  return {
    restore: function () {
      var store = storage();
      if (!key || !store) { return null; }
      var raw = store.getItem(key);
      if (!raw) { return null; }
      try {
        var draft = JSON.parse(raw);
        if (typeof draft.body !== "string" || !draft.body) { return null; }
        say(status && status.getAttribute("data-restored"));
        return draft.body;
      } catch (e) { return null; }
    },
    save: function (body) {
      var store = storage();
      if (!key || !store) { return; }
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        try {
          if (body) { store.setItem(key, JSON.stringify({ body: body, saved: Date.now() })); }
          else { store.removeItem(key); }
          say(body ? (status.getAttribute("data-saved") || "").replace("%(time)s", now()) : "");
        } catch (e) { say(status && status.getAttribute("data-failed")); }
      }, 300);
    },
    flush: function (body) {
      // Kept at once, not 300 ms later: the page is about to be left.
      window.clearTimeout(pending);
      var store = storage();
      if (!key || !store || !body) { return; }
      try { store.setItem(key, JSON.stringify({ body: body, saved: Date.now() })); } catch (e) { /* full */ }
    },
    clear: function () {
      window.clearTimeout(pending);
      var store = storage();
      if (key && store) { store.removeItem(key); }
    },
  };
}
