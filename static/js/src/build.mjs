/* `make assets`: builds static/js/editor.bundle.js (esbuild, minified) and exports the editor's
 * schema (static/js/editor-schema.json: the tags and attributes it can write). The bundle's first
 * line carries a sha256 of these sources and package-lock.json; tests/posts/test_editor_assets.py
 * recomputes it, so a bundle older than its sources or the lock fails the tests. */
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { getSchema } from "@tiptap/core";
import { buildExtensions } from "./extensions.js";

const SRC = dirname(fileURLToPath(import.meta.url));
const ROOT = join(SRC, "..", "..", "..");

export function sourcesDigest() {
  const hash = createHash("sha256");
  const files = readdirSync(SRC).filter((n) => /\.(m?js)$/.test(n)).sort();
  for (const name of files) {
    hash.update("static/js/src/" + name + "\0");
    hash.update(readFileSync(join(SRC, name)));
    hash.update("\0");
  }
  hash.update("package-lock.json\0");
  hash.update(readFileSync(join(ROOT, "package-lock.json")));
  return hash.digest("hex");
}

/* Walks a DOMOutputSpec: [tag, attrs?, ...children], a hole (0) or a text string. */
function collect(spec, found) {
  if (!Array.isArray(spec)) { return; }
  const tag = spec[0].toLowerCase();
  found[tag] = found[tag] || new Set();
  let rest = spec.slice(1);
  if (rest.length && rest[0] && typeof rest[0] === "object" && !Array.isArray(rest[0])) {
    for (const [name, value] of Object.entries(rest[0])) {
      if (value !== null && value !== undefined) { found[tag].add(name.toLowerCase()); }
    }
    rest = rest.slice(1);
  }
  rest.forEach((child) => collect(child, found));
}

/* Every attribute given a value: what toDOM writes when each is set. */
function sampleAttrs(type) {
  const attrs = {};
  for (const name of Object.keys(type.spec.attrs || {})) {
    attrs[name] = name === "level" ? undefined : name === "href" ? "https://example.org/" : name === "colwidth" ? [100] : name === "colspan" || name === "rowspan" ? 2 : "x";
  }
  return attrs;
}

export function schemaExport() {
  const schema = getSchema(buildExtensions());
  const found = {};
  for (const type of Object.values(schema.nodes)) {
    if (!type.spec.toDOM) { continue; }
    const variants = type.name === "heading" ? [2, 3, 4].map((level) => ({ ...sampleAttrs(type), level })) : [sampleAttrs(type), {}];
    for (const attrs of variants) { collect(type.spec.toDOM(type.create(attrs)), found); }
  }
  for (const type of Object.values(schema.marks)) {
    if (!type.spec.toDOM) { continue; }
    for (const attrs of [sampleAttrs(type), {}]) { collect(type.spec.toDOM(type.create(attrs), true), found); }
  }
  const out = {};
  for (const tag of Object.keys(found).sort()) { out[tag] = [...found[tag]].sort(); }
  return out;
}

const digest = sourcesDigest();
await esbuild.build({
  entryPoints: [join(SRC, "main.js")],
  outfile: join(ROOT, "static/js/editor.bundle.js"),
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2019"],
  legalComments: "none",
  banner: { js: "/* unisocial editor bundle (make assets) sources-sha256=" + digest + " */" },
  logLevel: "warning",
});
writeFileSync(join(ROOT, "static/js/editor-schema.json"), JSON.stringify({ "sources-sha256": digest, tags: schemaExport() }, null, 2) + "\n");
console.log("static/js/editor.bundle.js and static/js/editor-schema.json built, sources-sha256=" + digest);
