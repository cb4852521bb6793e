/* After a form's text reached the server (unisocial.middleware.DraftPublishedMiddleware sets the
 * cookie on its redirect), forget the local draft of that form (static/js/src/drafts.js keys it
 * "unisocial:draft:<person>:<form address>#<field>"), then the cookie. Loaded on every page. */
(function () {
  var NAME = "unisocial_draft_published=";
  var found = document.cookie.split("; ").filter(function (c) { return c.indexOf(NAME) === 0; })[0];
  if (!found) { return; }
  document.cookie = NAME + "; Max-Age=0; Path=/; SameSite=Lax";
  var prefix;
  try { prefix = "unisocial:draft:" + decodeURIComponent(found.slice(NAME.length)) + "#"; } catch (e) { return; }
  try {
    var store = window.localStorage;
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i);
      if (key && key.indexOf(prefix) === 0) { store.removeItem(key); }
    }
  } catch (e) { /* no storage: nothing kept */ }
})();
