/* MENTION SUGGESTION HOOK. The @mention list asks static/js/src/audience.js (its fetchAudience, put
 * on window.unisocialAudience) for the people who can read the item at the chosen level and
 * readers; until that module is there the list is empty. Merging it is one import in main.js. */
export function mentionItems(form) {
  return function ({ query }) {
    var audience = window.unisocialAudience;
    if (!audience || typeof audience.fetchAudience !== "function") { return []; }
    var level = form.querySelector("[data-audience='classification']");
    var readers = form.querySelector("[data-audience='readers']");
    return Promise.resolve(audience.fetchAudience({
      slug: form.getAttribute("data-community") || "",
      classification: level ? level.value : "",
      readers: readers ? readers.value : "",
      q: query,
    })).then(function (people) { return (people || []).slice(0, 10); }).catch(function () { return []; });
  };
}
