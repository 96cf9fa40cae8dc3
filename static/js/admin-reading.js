/*
 * The reading panel of a medical page's add and change form follows the text as it is typed: after a
 * pause, the fields the panel names (data-graded: "summary body points-*-text") are sent to the
 * admin's reading-level address, which answers with the panel worked out on the server
 * (review.reading), and the panel is replaced. Without JavaScript the panel shows the text as saved.
 * The page's language goes with them, since a Spanish page is graded on another scale: the form's
 * language field if it has one (choosing another language grades the text again), else the panel's own
 * (data-language, the saved page's).
 *
 * The admin loads this file with `defer` (each admin's Media): it runs once the form and its
 * panel are in the page. Run from the head without it, it would find no panel and do nothing.
 */
(function () {
  "use strict";
  const panel = document.getElementById("reading-panel");
  const form = panel && panel.closest("form");
  if (!form) {
    return;
  }
  const address = panel.dataset.address;
  const token = form.querySelector("input[name=csrfmiddlewaretoken]");
  let timer = null;
  let asked = 0;

  // "points-*-text" stands for each row of an inline: points-0-text, points-1-text, …
  const patterns = (panel.dataset.graded || "").split(" ").filter(Boolean).map(function (name) {
    const parts = name.split("*").map(function (part) {
      return part.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
    });
    return new RegExp("^" + parts.join("\\d+") + "$");
  });

  function graded(field) {
    return patterns.some(function (pattern) {
      return pattern.test(field.name);
    });
  }

  function language() {
    const field = form.elements.namedItem("language");
    const current = document.getElementById("reading-panel");
    return field && field.value ? field.value : (current || panel).dataset.language || "";
  }

  function send() {
    const data = new FormData();
    data.append("csrfmiddlewaretoken", token ? token.value : "");
    data.append("language", language());
    for (const field of form.querySelectorAll("textarea, input[type=text]")) {
      if (graded(field)) {
        data.append(field.name, field.value);
      }
    }
    const number = ++asked;
    fetch(address, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null || number !== asked) {
          return; // a later request is on its way, or the server said no: keep what is shown
        }
        const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("reading-panel");
        const current = document.getElementById("reading-panel");
        if (fresh && current) {
          current.replaceWith(fresh);
        }
      })
      .catch(function () {});
  }

  form.addEventListener("input", function (event) {
    if (graded(event.target)) {
      clearTimeout(timer);
      timer = setTimeout(send, 600);
    }
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "language") {
      clearTimeout(timer);
      send();
    }
  });
})();
