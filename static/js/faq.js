/*
 * Progressive enhancement for the FAQ: everything works without it.
 * - A link to /faq/#some-question opens that question's expander.
 * - Printing opens every expander so the answers are on paper.
 */
(function () {
  "use strict";

  function openFromHash() {
    var id;
    try {
      id = decodeURIComponent(window.location.hash.slice(1));
    } catch (error) {
      return;
    }
    if (!id) {
      return;
    }
    var target = document.getElementById(id);
    var details = target && target.closest("details");
    if (details) {
      details.open = true;
      target.scrollIntoView();
    }
  }

  window.addEventListener("hashchange", openFromHash);
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (details) {
      details.open = true;
    });
  });
  openFromHash();
})();
