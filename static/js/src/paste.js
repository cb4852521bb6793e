/* Paste from Word, Outlook and web pages (SPEC §2.3): keep headings, bold, italic, lists, links and
 * tables, drop the rest. ProseMirror's parse against the schema (extensions.js) drops every tag and
 * attribute the schema does not know; this first pass removes what Word adds around them (comments,
 * conditional blocks, <o:p>, mso- styles and Mso classes) and turns Word's list paragraphs and
 * heading classes into real lists and headings. It works on an inert document (DOMParser): no
 * script runs, no image loads.
 */
const DROP = "script, style, template, meta, link, title, xml, object, embed, iframe, noscript, svg, math, img";

function wordListKind(paragraph) {
  var marker = paragraph.querySelector("[style*='mso-list:Ignore'], [style*='mso-list: Ignore']");
  var text = marker ? marker.textContent.trim() : "";
  return /^[0-9a-z]{1,3}[.)]$/i.test(text) ? "ol" : "ul";
}

function wordLists(body) {
  var paragraphs = Array.prototype.slice.call(body.querySelectorAll("p"));
  var list = null;
  paragraphs.forEach(function (p) {
    var style = p.getAttribute("style") || "";
    var isItem = /mso-list\s*:/i.test(style) || /MsoListParagraph/i.test(p.className || "");
    if (!isItem) { list = null; return; }
    var kind = wordListKind(p);
    p.querySelectorAll("[style*='mso-list:Ignore'], [style*='mso-list: Ignore']").forEach(function (m) { m.remove(); });
    var previous = p.previousElementSibling;
    if (!list || previous !== list || list.tagName.toLowerCase() !== kind) {
      list = p.ownerDocument.createElement(kind);
      p.parentNode.insertBefore(list, p);
    }
    var item = p.ownerDocument.createElement("li");
    while (p.firstChild) { item.appendChild(p.firstChild); }
    list.appendChild(item);
    p.remove();
  });
}

function rename(element, tag) {
  var replacement = element.ownerDocument.createElement(tag);
  while (element.firstChild) { replacement.appendChild(element.firstChild); }
  element.replaceWith(replacement);
  return replacement;
}

function removeComments(node) {
  var walker = (node.ownerDocument || node).createTreeWalker(node, 128 /* NodeFilter.SHOW_COMMENT */);
  var comments = [];
  while (walker.nextNode()) { comments.push(walker.currentNode); }
  comments.forEach(function (c) { c.remove(); });
}

export function cleanPastedHTML(html) {
  // Word's conditional comments (<!--[if !supportLists]-->…<![endif]-->) hold the list bullets.
  var source = String(html || "")
    .replace(/<!\[if[^\]]*\]>[\s\S]*?<!\[endif\]>/gi, "")
    .replace(/<!--\[if[\s\S]*?<!\[endif\]-->/gi, "")
    // A <form>'s named fields shadow its DOM properties (form.nodeName = <input name=nodeName>), which
    // breaks any parse of it: a form is only a box here.
    .replace(/<(\/?)form(?=[\s/>])/gi, "<$1div");
  var doc = new DOMParser().parseFromString(source, "text/html");
  var body = doc.body;
  removeComments(doc);
  body.querySelectorAll(DROP).forEach(function (el) { el.remove(); });
  // <o:p>, <w:…>, <v:…>: Office's own elements, kept for their text only.
  Array.prototype.slice.call(body.getElementsByTagName("*")).forEach(function (el) {
    if (el.tagName.indexOf(":") !== -1) { el.replaceWith.apply(el, Array.prototype.slice.call(el.childNodes)); }
  });
  wordLists(body);
  body.querySelectorAll("p[class*='MsoHeading'], p[class*='MsoTitle']").forEach(function (p) {
    rename(p, /Heading[3-9]/i.test(p.className) ? "h3" : "h2");
  });
  // The editor has levels 2-4: the page's own title is the only h1.
  body.querySelectorAll("h1").forEach(function (h) { rename(h, "h2"); });
  body.querySelectorAll("h5, h6").forEach(function (h) { rename(h, "h4"); });
  Array.prototype.slice.call(body.getElementsByTagName("*")).forEach(function (el) {
    el.removeAttribute("style");
    el.removeAttribute("class");
    el.removeAttribute("lang");
    Array.prototype.slice.call(el.attributes).forEach(function (attr) {
      if (/^on/i.test(attr.name)) { el.removeAttribute(attr.name); }
    });
  });
  return body.innerHTML;
}
