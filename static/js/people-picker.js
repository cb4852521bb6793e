/* The people picker (SPEC §2.5), progressive enhancement over a plain username field.
 *
 * An <input data-people-picker="/api/v1/people/"> becomes an ARIA combobox: as one types
 * (2 characters at least, after a short pause), it asks the endpoint for up to 10 people
 * whose username or name starts with the text, and lists them; arrow keys move, Enter or a
 * click picks (the field gets the username), Escape closes.
 *   data-people-community="<slug>"  only that community's members (strictly confidential
 *                                   readers must be members, SPEC §2.3);
 *   data-people-multiple            the field holds comma-separated usernames: the picker
 *                                   completes the last one.
 * Without JavaScript the field stays a plain text field; the server checks what is sent.
 * No inline script or style (CSP: script-src 'self').
 */
(function () {
  "use strict";

  var MIN_QUERY = 2;
  var PAUSE_MS = 200;
  var counter = 0;
  // The djangojs catalogue (/jsi18n/, loaded first by templates/base.html); English when it is absent.
  var ngettext = window.ngettext || function (s, p, n) { return n === 1 ? s : p; };
  function fill(format, values) {
    return format.replace(/%\((\w+)\)s/g, function (whole, name) { return String(values[name]); });
  }

  function enhance(input) {
    counter += 1;
    var listId = "people-picker-" + counter;
    var multiple = input.hasAttribute("data-people-multiple");
    var community = input.getAttribute("data-people-community") || "";
    var endpoint = input.getAttribute("data-people-picker");

    var wrapper = document.createElement("div");
    wrapper.className = "people-picker";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);

    var list = document.createElement("ul");
    list.id = listId;
    list.className = "people-picker__list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.labels && input.labels[0] ? input.labels[0].textContent : "");
    list.hidden = true;
    wrapper.appendChild(list);

    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    wrapper.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var timer = null;
    var active = -1;
    var results = [];
    var asked = 0;

    function currentTerm() {
      if (!multiple) { return input.value.trim(); }
      var parts = input.value.split(",");
      return parts[parts.length - 1].trim();
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      results = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role='option']");
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function pick(index) {
      var person = results[index];
      if (!person) { return; }
      if (multiple) {
        var parts = input.value.split(",").map(function (p) { return p.trim(); });
        parts[parts.length - 1] = person.username;
        input.value = parts.filter(Boolean).join(", ") + ", ";
      } else {
        input.value = person.username;
      }
      close();
      input.focus();
      input.dispatchEvent(new Event("input", { bubbles: true }));
      status.textContent = person.display_name + " (@" + person.username + ")";
    }

    function show(people) {
      close();
      results = people;
      if (!people.length) {
        status.textContent = input.getAttribute("data-people-none") || "";
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
        // mousedown, not click: the input keeps its focus.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          pick(i);
        });
        list.appendChild(option);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      status.textContent = fill(ngettext("%(count)s person found; use the arrow keys and Enter to choose.",
        "%(count)s people found; use the arrow keys and Enter to choose.", people.length), { count: people.length });
    }

    function ask() {
      var term = currentTerm();
      if (term.length < MIN_QUERY) { close(); return; }
      var query = new URLSearchParams({ q: term });
      if (community) { query.set("community", community); }
      asked += 1;
      var mine = asked;
      fetch(endpoint + "?" + query.toString(), {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      }).then(function (response) {
        return response.ok ? response.json() : { results: [] };
      }).then(function (data) {
        if (mine === asked) { show(data.results || []); }  // only the latest answer counts
      }).catch(function () { close(); });
    }

    input.addEventListener("input", function (event) {
      if (!event.isTrusted) { return; }
      clearTimeout(timer);
      timer = setTimeout(ask, PAUSE_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight(Math.min(active + 1, results.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        pick(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  document.querySelectorAll("input[data-people-picker]").forEach(enhance);
})();
