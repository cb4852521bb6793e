/* The editor's schema (SPEC §2.3): TipTap's extensions, narrowed so that the editor can only make
 * what the server's sanitizer (unisocial/sanitize.py) keeps. No class, style, target, start or
 * colgroup: build.mjs exports the tags and attributes this produces to static/js/editor-schema.json
 * and tests/posts/test_editor_assets.py compares them with the sanitizer's allowlist.
 * Imported by the browser bundle (main.js) and by the build (Node), so no DOM at import time.
 */
import StarterKit from "@tiptap/starter-kit";
import { OrderedList } from "@tiptap/extension-list";
import { CodeBlock } from "@tiptap/extension-code-block";
import { Link } from "@tiptap/extension-link";
import { Table, TableRow, TableHeader, TableCell } from "@tiptap/extension-table";
import Mention from "@tiptap/extension-mention";

export const LINK_REL = "nofollow noopener";
export const HEADING_LEVELS = [2, 3, 4];

/* Only http(s), mailto and relative addresses (the sanitizer's ALLOWED_PROTOCOLS). */
export function allowedHref(url) {
  var value = String(url || "").trim();
  // Controls and spaces inside a scheme are how "java\tscript:" hides: refuse any.
  if (/[\u0000-\u0020]/.test(value.replace(/ /g, "%20").slice(0, 12))) { return false; }
  var scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value);
  if (!scheme) { return !/^[^/?#]*:/.test(value); }
  return ["http", "https", "mailto"].indexOf(scheme[1].toLowerCase()) !== -1;
}

const PlainOrderedList = OrderedList.extend({
  // No start= or type= (the allowlist keeps neither): a pasted <ol start="3"> counts from 1.
  addAttributes() { return {}; },
});

const PlainCodeBlock = CodeBlock.extend({
  // No language class.
  addAttributes() { return {}; },
  renderHTML() { return ["pre", {}, ["code", {}, 0]]; },
});

const SafeLink = Link.extend({
  addAttributes() {
    return {
      href: {
        default: null,
        parseHTML: (element) => element.getAttribute("href"),
      },
      title: { default: null },
    };
  },
  renderHTML({ HTMLAttributes }) {
    var attrs = { href: allowedHref(HTMLAttributes.href) ? HTMLAttributes.href : null, rel: LINK_REL };
    if (HTMLAttributes.title) { attrs.title = HTMLAttributes.title; }
    return ["a", attrs, 0];
  },
});

const PlainTable = Table.extend({
  addAttributes() { return {}; },
  renderHTML() { return ["table", {}, ["tbody", 0]]; },
});

function spanAttributes() {
  return {
    colspan: { default: 1 },
    rowspan: { default: 1 },
    // prosemirror-tables reads colwidth; it is never written out (no resizing either).
    colwidth: { default: null, parseHTML: () => null, renderHTML: () => ({}) },
  };
}
const PlainCell = TableCell.extend({ addAttributes: spanAttributes });
const PlainHeader = TableHeader.extend({ addAttributes: spanAttributes });

/* The @mention suggestion. A chosen person is written as the text "@username": the server finds
 * mentions in the text (SPEC §2.4), so no <span data-type="mention"> is ever stored, and none is
 * read from pasted HTML. ``suggestion`` (items + render) comes from main.js. */
function mentionExtension(suggestion) {
  return Mention.extend({
    parseHTML() { return []; },
    renderHTML({ node }) { return "@" + node.attrs.id; },
  }).configure({
    suggestion: Object.assign(
      {
        char: "@",
        command: ({ editor, range, props }) => {
          editor.chain().focus().insertContentAt(range, "@" + props.username + " ").run();
        },
      },
      suggestion || {},
    ),
  });
}

export function buildExtensions(options) {
  var opts = options || {};
  return [
    StarterKit.configure({
      heading: { levels: HEADING_LEVELS },
      orderedList: false,
      codeBlock: false,
      link: false,
      // No drop cursor (it styles itself); static/css/editor.css styles the gap cursor.
      dropcursor: false,
    }),
    PlainOrderedList,
    PlainCodeBlock,
    SafeLink.configure({
      openOnClick: false,
      autolink: true,
      linkOnPaste: true,
      defaultProtocol: "https",
      protocols: [],
      isAllowedUri: (url) => allowedHref(url),
      HTMLAttributes: { rel: LINK_REL, target: null, class: null },
    }),
    PlainTable.configure({ resizable: false, allowTableNodeSelection: false }),
    TableRow,
    PlainHeader,
    PlainCell,
    mentionExtension(opts.suggestion),
  ];
}
