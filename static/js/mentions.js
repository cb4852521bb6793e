/* @mention suggestions and re-checks on the plain textarea forms (SPEC §2.3, §2.4).
 *
 * A plain script (no build), loaded with static/js/src/audience.js (an ES module that sets
 * window.unisocialAudience) by templates/includes/mentions.html, whose [data-mentions] element
 * carries the API address, the fixed level (a comment: its post's) and the words to show.
 * For every <textarea name="body"> of the page:
 * - typing "@" and letters offers, in an ARIA listbox (autocomplete as static/js/people-picker.js),
 *   up to 10 people who will be able to read the item at the chosen level and readers; arrow
 *   keys move, Enter or Tab or a click inserts "@username ", Escape closes;
 * - the mentions already typed are re-checked whenever the level or the readers change (and after
 *   a pause in typing): an aria-live notice under the body names who would not see the item,
 *   before publishing. The preview and the publish warnings of the server stay as they are.
 * Without JavaScript nothing changes. No inline script or style (CSP: script-src 'self').
 */
(function () {
  "use strict";

  var config = document.querySelector("[data-mentions]");
  if (!config) { return; }
  var PAUSE_MS = 200;
  var RECHECK_MS = 700;
  // The server's MENTION_RE (posts/services/rules.py): "@" not after a letter or another "@".
  var MENTION = /(^|[^\w@])@([\w.+-]{1,150})/g;
  var TYPING = /(^|[^\w@])@([\w.+-]{1,150})$/;
  var counter = 0;

  // The djangojs catalogue (/jsi18n/, loaded first by templates/base.html); English when it is absent.
  var ngettext = window.ngettext || function (s, p, n) { return n === 1 ? s : p; };
  function fill(format, values) {
    return format.replace(/%\((\w+)\)s/g, function (whole, name) { return String(values[name]); });
  }

  function api() { return window.unisocialAudience || null; }
  function words(name) { return config.getAttribute("data-mentions-" + name) || ""; }
  var url = words("url");

  function audience(textarea) {
    var form = textarea.form || document;
    var level = form.querySelector("[data-audience='classification']");
    var readers = form.querySelector("[data-audience='readers']");
    return {
      level: level,
      readersField: readers,
      classification: level ? level.value : words("level"),
      readers: readers ? readers.value : ""
    };
  }

  function mentioned(text) {
    var names = [];
    var found;
    MENTION.lastIndex = 0;
    while ((found = MENTION.exec(text)) !== null) {
      var name = found[2].replace(/\.+$/, "");
      if (name && names.indexOf(name) < 0) { names.push(name); }
    }
    return names;
  }

  function enhance(textarea) {
    counter += 1;
    var listId = "mentions-list-" + counter;

    var wrapper = document.createElement("div");
    wrapper.className = "mentions";
    textarea.parentNode.insertBefore(wrapper, textarea);
    wrapper.appendChild(textarea);

    var list = document.createElement("ul");
    list.id = listId;
    list.className = "people-picker__list mentions__list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", words("label"));
    list.hidden = true;
    wrapper.appendChild(list);

    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    wrapper.appendChild(status);

    // The warning, under the body's field (its help text included).
    var notice = document.createElement("p");
    notice.id = "mentions-notice-" + counter;
    notice.className = "notice notice--mention mentions__notice";
    notice.setAttribute("aria-live", "polite");
    notice.setAttribute("data-mentions-notice", "");
    notice.hidden = true;
    var field = textarea.closest("[data-field='body']") || wrapper;
    field.parentNode.insertBefore(notice, field.nextSibling);

    // A textarea keeps its textbox role (ARIA in HTML allows no combobox there): the listbox is
    // announced through aria-autocomplete, aria-controls and aria-activedescendant.
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", listId);
    var described = textarea.getAttribute("aria-describedby");
    textarea.setAttribute("aria-describedby", (described ? described + " " : "") + notice.id);

    var timer = null;
    var recheckTimer = null;
    var active = -1;
    var results = [];
    var asked = 0;
    var checked = 0;
    var term = null;

    function close() {
      list.hidden = true;
      list.textContent = "";
      results = [];
      active = -1;
      textarea.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role='option']");
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0 && options[index]) {
        textarea.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        textarea.removeAttribute("aria-activedescendant");
      }
    }

    function pick(index) {
      var person = results[index];
      if (!person || !term) { return; }
      var end = textarea.selectionStart;
      var start = end - term.length - 1;  // the "@" too
      textarea.setRangeText("@" + person.username + " ", start, end, "end");
      close();
      term = null;
      textarea.focus();
      status.textContent = person.display_name + " (@" + person.username + ")";
      recheck();
    }

    function show(people) {
      close();
      results = people;
      if (!people.length) {
        status.textContent = words("none");
        return;
      }
      people.forEach(function (person, i) {
        var option = document.createElement("li");
        option.id = listId + "-" + i;
        option.className = "people-picker__option";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.className = "people-picker__name";
        name.setAttribute("dir", "auto");
        name.textContent = person.display_name;
        var handle = document.createElement("span");
        handle.className = "people-picker__username";
        handle.textContent = "@" + person.username;
        option.appendChild(name);
        option.appendChild(document.createTextNode(" "));
        option.appendChild(handle);
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();  // the textarea keeps its focus
          pick(i);
        });
        list.appendChild(option);
      });
      list.hidden = false;
      status.textContent = fill(ngettext("%(count)s person suggested; use the arrow keys and Enter to choose.",
        "%(count)s people suggested; use the arrow keys and Enter to choose.", people.length), { count: people.length });
    }

    function typedTerm() {
      if (textarea.selectionStart !== textarea.selectionEnd) { return null; }
      var found = TYPING.exec(textarea.value.slice(0, textarea.selectionStart));
      return found ? found[2] : null;
    }

    function suggest() {
      term = typedTerm();
      var now = audience(textarea);
      if (!term || !now.classification || !api()) { close(); return; }
      asked += 1;
      var mine = asked;
      api().fetchAudience({
        url: url, classification: now.classification, readers: now.readers, q: term
      }).then(function (people) {
        if (mine === asked) { show(people); }  // only the latest answer counts
      }).catch(function () { if (mine === asked) { close(); } });
    }

    function warn(names) {
      notice.textContent = "";
      if (!names.length) { notice.hidden = true; return; }
      var strong = document.createElement("strong");
      strong.textContent = words("prefix");
      notice.appendChild(strong);
      notice.appendChild(document.createTextNode(" " + words("warning") + " " + names.join(", ")));
      notice.hidden = false;
    }

    function recheck() {
      var names = mentioned(textarea.value);
      var now = audience(textarea);
      checked += 1;
      var mine = checked;
      if (!names.length || !now.classification || !api()) { warn([]); return; }
      api().recheckMentions({
        url: url, classification: now.classification, readers: now.readers, usernames: names
      }).then(function (outside) {
        if (mine === checked) { warn(outside); }
      }).catch(function () { /* a bad level or readers: the audience line says so */ });
    }

    function recheckLater(delay) {
      clearTimeout(recheckTimer);
      recheckTimer = setTimeout(recheck, delay);
    }

    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(suggest, PAUSE_MS);
      recheckLater(RECHECK_MS);
    });
    // In the rich-text editor the person types elsewhere: its every change comes here as
    // "editor:change" (its own @ list suggests); the re-check of typed mentions is this script's.
    textarea.addEventListener("editor:change", function () { recheckLater(RECHECK_MS); });
    textarea.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight(Math.min(active + 1, results.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) {
        event.preventDefault();
        pick(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    textarea.addEventListener("blur", function () { setTimeout(close, 100); });

    var now = audience(textarea);
    if (now.level) { now.level.addEventListener("change", function () { close(); recheck(); }); }
    if (now.readersField) {
      now.readersField.addEventListener("input", function () { recheckLater(RECHECK_MS); });
      now.readersField.addEventListener("change", function () { recheckLater(0); });
    }
    if (mentioned(textarea.value).length) {
      // Mentions already in the text (an edit, a preview): checked once the module has loaded.
      window.addEventListener("load", recheck);
    }
  }

  document.querySelectorAll("textarea[name='body']").forEach(enhance);
})();
