/* The rich-text editor (SPEC §2.3), a progressive enhancement of the body textarea of the post,
 * wiki and comment forms. The textarea stays the submitted field: it holds the editor's HTML
 * (body_format "html") after every change. Without JavaScript, or for a person who chose Markdown
 * in their settings (data-editor-mode="markdown"), the textarea and static/js/editor.js's Markdown
 * toolbar work as before. Drafts are kept in localStorage as the person types (drafts.js).
 * No inline script or style (CSP): TipTap's CSS is not injected, static/css/editor.css styles it.
 */
import { Editor } from "@tiptap/core";
import { buildExtensions, allowedHref } from "./extensions.js";
import { cleanPastedHTML } from "./paste.js";
import { mentionItems } from "./audience-hook.js";
import { mentionRender } from "./mention-list.js";
import { draftsFor } from "./drafts.js";

const ACTIONS = {
  h2: { run: (c) => c.toggleHeading({ level: 2 }), active: (e) => e.isActive("heading", { level: 2 }) },
  h3: { run: (c) => c.toggleHeading({ level: 3 }), active: (e) => e.isActive("heading", { level: 3 }) },
  bold: { run: (c) => c.toggleBold(), active: (e) => e.isActive("bold") },
  italic: { run: (c) => c.toggleItalic(), active: (e) => e.isActive("italic") },
  bullets: { run: (c) => c.toggleBulletList(), active: (e) => e.isActive("bulletList") },
  numbers: { run: (c) => c.toggleOrderedList(), active: (e) => e.isActive("orderedList") },
  quote: { run: (c) => c.toggleBlockquote(), active: (e) => e.isActive("blockquote") },
  code: { run: (c) => c.toggleCode(), active: (e) => e.isActive("code") },
  table: { run: (c) => c.insertTable({ rows: 3, cols: 2, withHeaderRow: true }), active: (e) => e.isActive("table") },
};

function rovingToolbar(toolbar) {
  var buttons = Array.prototype.slice.call(toolbar.querySelectorAll("button"));
  buttons.forEach(function (b, i) { b.tabIndex = i === 0 ? 0 : -1; });
  toolbar.addEventListener("keydown", function (event) {
    var index = buttons.indexOf(document.activeElement);
    if (index === -1) { return; }
    var next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: buttons.length - 1 }[event.key];
    if (next === undefined) { return; }
    event.preventDefault();
    next = (next + buttons.length) % buttons.length;
    buttons[index].tabIndex = -1;
    buttons[next].tabIndex = 0;
    buttons[next].focus();
  });
}

function enhance(field) {
  var textarea = field.querySelector("textarea");
  var toolbar = field.querySelector("[data-rich-toolbar]");
  if (!textarea || !toolbar || field.getAttribute("data-editor-mode") !== "rich") { return; }
  var form = textarea.form;
  // body_format: hidden, or (editing an item stored as HTML) the radio of static/js/editor.js's
  // Markdown mode, which the editor sets to HTML and hides.
  var format = form.querySelector("input[type='hidden'][name='body_format']");
  var radio = form.querySelector("input[type='radio'][name='body_format'][value='html']");
  var current = format ? format.value : (form.querySelector("input[name='body_format']:checked") || {}).value;
  var initial = textarea.value;
  if (current !== "html" && initial.trim()) {
    // Stored as Markdown: the editor starts from the server's rendering of it (SPEC §2.3).
    if (!textarea.hasAttribute("data-rich-initial")) { return; }
    initial = textarea.getAttribute("data-rich-initial");
  }

  var label = field.querySelector("label[for='" + textarea.id + "']");
  var help = field.querySelector("[data-editor-help='rich']");
  var area = document.createElement("div");
  area.className = "editor__area";
  textarea.parentNode.insertBefore(area, textarea);
  var drafts = draftsFor(form, textarea.id, field.querySelector("[data-editor-status]"));
  var restored = drafts.restore();
  if (restored !== null) { initial = restored; }

  var editor = new Editor({
    element: area,
    extensions: buildExtensions({
      suggestion: { items: mentionItems(form), render: mentionRender(field) },
    }),
    content: initial,
    injectCSS: false,
    editorProps: {
      attributes: {
        role: "textbox",
        "aria-multiline": "true",
        dir: "auto",  // user-written text (SPEC §7): its own direction, whatever the page's
        "aria-labelledby": label ? label.id : "",
        "aria-describedby": help ? help.id : "",
        class: "editor__content rich-text",
        spellcheck: "true",
      },
      transformPastedHTML: cleanPastedHTML,
    },
  });

  function sync() {
    // Without the empty paragraph TipTap keeps after a last table or list (to type after it).
    textarea.value = editor.isEmpty ? "" : editor.getHTML().replace(/(<p><\/p>)+$/, "");
    if (format) { format.value = "html"; }
    if (radio) { radio.checked = true; }
    // The mentions already typed are re-checked from the textarea (static/js/mentions.js).
    textarea.dispatchEvent(new CustomEvent("editor:change"));
  }
  function pressed() {
    toolbar.querySelectorAll("button[data-rich]").forEach(function (button) {
      var action = ACTIONS[button.getAttribute("data-rich")];
      if (action) { button.setAttribute("aria-pressed", action.active(editor) ? "true" : "false"); }
    });
    var link = toolbar.querySelector("button[data-rich='link']");
    if (link) { link.setAttribute("aria-pressed", editor.isActive("link") ? "true" : "false"); }
  }

  toolbar.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-rich]");
    if (!button) { return; }
    var kind = button.getAttribute("data-rich");
    if (kind === "link") {
      if (editor.isActive("link")) {
        editor.view.focus();
        editor.chain().extendMarkRange("link").unsetLink().run();
        return;
      }
      var url = window.prompt(button.getAttribute("data-prompt") || (window.gettext ? window.gettext("Link address") : "Link address"), "https://");
      if (!url) { editor.view.focus(); return; }
      if (!allowedHref(url)) { window.alert(button.getAttribute("data-refused") || ""); editor.view.focus(); return; }
      editor.view.focus();
      var chain = editor.chain();
      if (editor.state.selection.empty) {
        chain.insertContent({ type: "text", text: url, marks: [{ type: "link", attrs: { href: url } }] }).run();
      } else {
        chain.extendMarkRange("link").setLink({ href: url }).run();
      }
      return;
    }
    // Focus now, not in TipTap's next animation frame: the next key typed goes into the text.
    editor.view.focus();
    ACTIONS[kind].run(editor.chain()).run();
  });

  editor.on("update", function () { sync(); drafts.save(textarea.value); });
  editor.on("transaction", pressed);
  editor.on("selectionUpdate", pressed);
  if (label) {
    label.removeAttribute("for");
    label.addEventListener("click", function () { editor.commands.focus(); });
  }
  // The draft stays until the server has the text: its redirect after a successful POST tells
  // static/js/drafts-clear.js to forget it (a publish that meets an expired session keeps it).
  form.addEventListener("submit", function () { sync(); drafts.flush(textarea.value); });

  textarea.hidden = true;
  // A hidden required field would block the form with no message: the server says "write first".
  textarea.required = false;
  field.querySelectorAll("[data-editor-help='markdown']").forEach(function (e) { e.hidden = true; });
  field.querySelectorAll("[data-editor-help='rich']").forEach(function (e) { e.hidden = false; });
  var markdownToolbar = field.querySelector(".editor__toolbar:not([data-rich-toolbar])");
  if (markdownToolbar) { markdownToolbar.hidden = true; }
  toolbar.hidden = false;
  rovingToolbar(toolbar);
  var formatField = radio && radio.closest("[data-field='body_format']");
  if (formatField) { formatField.hidden = true; }
  if (restored !== null || current === "html" || initial !== textarea.value) { sync(); }
  field.classList.add("editor--rich");
  pressed();
}

document.querySelectorAll("[data-editor-field]").forEach(function (field) {
  // A reply form waits in a closed <details> until it is opened: one editor per open form.
  var details = field.closest("details:not([open])");
  if (!details) { enhance(field); return; }
  details.addEventListener("toggle", function once() {
    details.removeEventListener("toggle", once);
    enhance(field);
  });
});
