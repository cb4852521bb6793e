/* The post and wiki page form (SPEC §2.3–2.4), progressively enhanced:
 * - a small toolbar that inserts Markdown (or HTML when that format is chosen),
 *   so staff need no markup knowledge;
 * - the audience line, refreshed from /api/v1/communities/<slug>/audience/
 *   when the level or the readers change (without JS the Preview button does it);
 * - the readers field shown only for strictly confidential.
 * No inline script or style anywhere (CSP: script-src 'self').
 */
(function () {
  "use strict";

  var form = document.querySelector(".content-form");
  if (!form) { return; }

  // --- toolbar ---------------------------------------------------------------
  var text = form.querySelector("[data-editor='body']");
  var toolbar = form.querySelector(".editor__toolbar:not([data-rich-toolbar])");

  function format() {
    var checked = form.querySelector("input[name='body_format']:checked");
    return checked ? checked.value : "markdown";
  }

  // The djangojs catalogue (/jsi18n/, loaded first by templates/base.html); English when it is absent.
  var gettext = window.gettext || function (s) { return s; };
  var ngettext = window.ngettext || function (s, p, n) { return n === 1 ? s : p; };
  function fill(format, values) {
    return format.replace(/%\((\w+)\)s/g, function (whole, name) { return String(values[name]); });
  }
  // The words put in place of an empty selection.
  var BOLD = gettext("bold"), ITALIC = gettext("italic"), ITEM = gettext("item"), HEADING = gettext("Heading");

  var MARKUP = {
    markdown: {
      bold: function (s) { return "**" + (s || BOLD) + "**"; },
      italic: function (s) { return "_" + (s || ITALIC) + "_"; },
      link: function (s, url) { return "[" + (s || url) + "](" + url + ")"; },
      list: function (s) {
        return (s || ITEM).split("\n").map(function (l) { return "- " + l; }).join("\n");
      },
      heading: function (s) { return "## " + (s || HEADING); }
    },
    html: {
      bold: function (s) { return "<strong>" + (s || BOLD) + "</strong>"; },
      italic: function (s) { return "<em>" + (s || ITALIC) + "</em>"; },
      link: function (s, url) { return "<a href=\"" + url + "\">" + (s || url) + "</a>"; },
      list: function (s) {
        return "<ul>\n" + (s || ITEM).split("\n").map(function (l) {
          return "  <li>" + l + "</li>";
        }).join("\n") + "\n</ul>";
      },
      heading: function (s) { return "<h2>" + (s || HEADING) + "</h2>"; }
    }
  };

  function insert(kind, button) {
    var start = text.selectionStart, end = text.selectionEnd;
    var selected = text.value.slice(start, end);
    var url = null;
    if (kind === "link") {
      url = window.prompt(button.getAttribute("data-prompt") || gettext("Link address"), "https://");
      if (!url) { return; }
    }
    var before = text.value.slice(0, start);
    var needsBreak = (kind === "list" || kind === "heading") && before && !/\n$/.test(before);
    var markup = (needsBreak ? "\n" : "") + MARKUP[format()][kind](selected, url);
    text.setRangeText(markup, start, end, "end");
    text.focus();
    text.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // The rich-text editor (editor.bundle.js) has its own toolbar; this one is for Markdown.
  var rich = text && text.closest("[data-editor-mode='rich']");
  if (text && toolbar && !rich) {
    toolbar.hidden = false;
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-format]");
      if (button) { insert(button.getAttribute("data-format"), button); }
    });
  }

  // --- readers only for strictly confidential ----------------------------------
  var level = form.querySelector("[data-audience='classification']");
  var readers = form.querySelector("[data-audience='readers']");
  var readersField = form.querySelector("[data-field='readers']");

  function showReaders() {
    if (!readersField || !level) { return; }
    readersField.hidden = level.value !== "strictly_confidential" && !readers.value;
  }

  // --- the audience line ------------------------------------------------------
  var line = document.getElementById("audience-line");
  var url = line && line.getAttribute("data-audience-url");
  var pending = null;

  function say(prefix, textContent) {
    line.textContent = "";
    if (prefix) {
      var strong = document.createElement("strong");
      strong.textContent = prefix;
      line.appendChild(strong);
      line.appendChild(document.createTextNode(" "));
    }
    line.appendChild(document.createTextNode(textContent));
  }

  function firstError(body) {
    if (!body || typeof body !== "object") { return null; }
    if (body.detail) { return String(body.detail); }
    for (var key in body) {
      if (Object.prototype.hasOwnProperty.call(body, key)) {
        var value = body[key];
        return Array.isArray(value) ? String(value[0]) : String(value);
      }
    }
    return null;
  }

  function refresh() {
    if (!url || !level) { return; }
    if (!level.value) { say(null, line.getAttribute("data-choose")); return; }
    var query = new URLSearchParams({ classification: level.value });
    if (readers && readers.value.trim() && level.value === "strictly_confidential") {
      query.set("readers", readers.value.split(",").map(function (n) {
        return n.trim().replace(/^@/, "");
      }).filter(Boolean).join(","));
    }
    fetch(url + "?" + query.toString(), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (result.ok) {
        say(line.getAttribute("data-prefix"), result.body.description);
      } else {
        say(null, firstError(result.body) || line.getAttribute("data-failed"));
      }
    }).catch(function () {
      say(null, line.getAttribute("data-failed"));
    });
  }

  function later() {
    window.clearTimeout(pending);
    pending = window.setTimeout(refresh, 400);
  }

  if (level) {
    level.addEventListener("change", function () { showReaders(); refresh(); });
    showReaders();
  }
  if (readers) { readers.addEventListener("input", function () { showReaders(); later(); }); }
})();
