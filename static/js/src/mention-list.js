/* The @mention suggestion list: a listbox under the editor, Up/Down to move, Enter or Tab to
 * choose, Escape to close. Its items come from audience-hook.js. */
// The djangojs catalogue (/jsi18n/, loaded first by templates/base.html); English when it is absent.
function gettext(text) { return window.gettext ? window.gettext(text) : text; }

export function mentionRender(field) {
  return function () {
    var list = null, items = [], active = -1, command = null;  // nothing chosen until an arrow key
    function draw() {
      list.textContent = "";
      list.hidden = items.length === 0;
      items.forEach(function (person, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", i === active ? "true" : "false");
        option.textContent = (person.display_name ? person.display_name + " " : "") + "@" + person.username;
        option.addEventListener("mousedown", function (e) { e.preventDefault(); command(person); });
        list.appendChild(option);
      });
    }
    return {
      onStart: function (props) {
        list = document.createElement("ul");
        list.className = "editor__mentions";
        list.id = "mentions-" + Math.random().toString(36).slice(2);
        list.setAttribute("role", "listbox");
        list.setAttribute("aria-label", field.getAttribute("data-mentions-label") || gettext("People"));
        field.appendChild(list);
        items = props.items; active = -1; command = props.command;
        draw();
      },
      onUpdate: function (props) { items = props.items; active = -1; command = props.command; draw(); },
      onKeyDown: function (props) {
        if (!items.length) { return false; }
        var key = props.event.key;
        if (key === "ArrowDown") { active = (active + 1) % items.length; draw(); return true; }
        if (key === "ArrowUp") { active = active <= 0 ? items.length - 1 : active - 1; draw(); return true; }
        if ((key === "Enter" || key === "Tab") && active >= 0) { command(items[active]); return true; }
        if (key === "Escape") { items = []; draw(); return true; }
        return false;
      },
      onExit: function () { if (list) { list.remove(); list = null; } },
    };
  };
}
