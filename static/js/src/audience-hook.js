/* MENTION SUGGESTION HOOK. The @mention list asks static/js/src/audience.js (its fetchAudience, put
 * on window.unisocialAudience) for the people who can read the item at the chosen level and
 * readers. includes/mentions.html loads that module where suggestions may be offered (not under a
 * strictly confidential post, whose readers a commenter may not see): elsewhere the list is empty. */
export function mentionItems(form) {
  return function ({ query }) {
    var audience = window.unisocialAudience;
    if (!audience || typeof audience.fetchAudience !== "function") { return []; }
    var level = form.querySelector("[data-audience='classification']");
    // A comment's form has no level field: its post's level, given by includes/mentions.html.
    var given = document.querySelector("[data-mentions]");
    var readers = form.querySelector("[data-audience='readers']");
    return Promise.resolve(audience.fetchAudience({
      slug: form.getAttribute("data-community") || "",
      classification: level ? level.value : (given ? given.getAttribute("data-mentions-level") || "" : ""),
      readers: readers ? readers.value : "",
      q: query,
    })).then(function (people) { return (people || []).slice(0, 10); }).catch(function () { return []; });
  };
}
