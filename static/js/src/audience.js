/* Who would be able to read an item being written (SPEC §2.3, §2.4): the @mention suggestions and
 * the re-check of mentions already typed, from
 *   GET /api/v1/communities/<slug>/audience/?classification=&readers=a,b&q=
 * whose `suggestions` are up to 10 people whose username or name starts with q AND who would be
 * able to read the item at that level with those named readers (the access rule read backwards on
 * the server, never the member list here). An ES module: the rich-text editor's bundle imports it;
 * loaded on its own (<script type="module">) it also sets window.unisocialAudience for plain
 * scripts (static/js/mentions.js, the textarea forms). A GET: no CSRF header needed.
 */

const API_ROOT = "/api/v1/communities/";

function readerList(readers) {
  const names = Array.isArray(readers) ? readers : String(readers || "").split(",");
  return names.map((n) => String(n).trim().replace(/^@/, "")).filter(Boolean);
}

/** The error the API gave (`detail`, or the first field's first message). */
function firstError(body) {
  if (!body || typeof body !== "object") { return null; }
  if (body.detail) { return String(body.detail); }
  for (const value of Object.values(body)) {
    return Array.isArray(value) ? String(value[0]) : String(value);
  }
  return null;
}

/**
 * People matching `q` who would be able to read the item: [{username, display_name}].
 * Rejects with an Error carrying the API's message (`status` set) on a refusal or bad input.
 */
export async function fetchAudience({ slug, classification, readers = [], q, url = null }) {
  const query = new URLSearchParams({ classification: classification || "", q: q || "" });
  const names = readerList(readers);
  if (names.length && classification === "strictly_confidential") {
    query.set("readers", names.join(","));
  }
  const base = url || `${API_ROOT}${encodeURIComponent(slug)}/audience/`;
  const response = await fetch(`${base}?${query.toString()}`, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  let body = null;
  try { body = await response.json(); } catch (_error) { body = null; }
  if (!response.ok) {
    const error = new Error(firstError(body) || response.statusText);
    error.status = response.status;
    throw error;
  }
  return (body && body.suggestions) || [];
}

/**
 * Of `usernames` (mentioned in the text, with or without "@"), those who would NOT be able to read
 * the item at this level and with these readers (unknown names included). One request per name:
 * the person whose username is q comes first in the answer, so it is found however many others match.
 */
export async function recheckMentions({ slug, classification, readers = [], usernames, url = null }) {
  const wanted = [...new Set((usernames || []).map((n) => String(n).replace(/^@/, "")).filter(Boolean))];
  const answers = await Promise.all(wanted.map(async (name) => {
    const people = await fetchAudience({ slug, classification, readers, q: name, url });
    const found = people.some((p) => p.username.toLowerCase() === name.toLowerCase());
    return found ? null : name;
  }));
  return answers.filter(Boolean);
}

if (typeof window !== "undefined") {
  window.unisocialAudience = { fetchAudience, recheckMentions };
}
