// The batch status page (CSP: served from 'self', no inline code, no eval). The poll swaps
// only the summary; each section's count line comes with it out of band, carrying a stamp
// of its counts. An open section whose rows were drawn at another stamp reloads them.
(function () {
  "use strict";

  function refreshOpenSections() {
    var rows = document.querySelectorAll(".section-rows[data-stamp]");
    Array.prototype.forEach.call(rows, function (el) {
      var key = el.getAttribute("data-section-rows");
      var head = document.getElementById("head-" + key);
      var details = el.closest("details");
      if (!head || (details && !details.open)) return;
      if (head.getAttribute("data-stamp") !== el.getAttribute("data-stamp")) {
        el.removeAttribute("data-stamp"); // once per change, even while the reload runs
        window.htmx.trigger(el, "refresh");
      }
    });
  }

  // After the summary is swapped in (and its count lines with it), cheap: a few elements.
  document.addEventListener("htmx:afterSettle", refreshOpenSections);
  document.addEventListener("toggle", function (event) {
    // A section opened again after its count moved on is brought up to date.
    if (event.target.classList && event.target.classList.contains("batch-section")) {
      refreshOpenSections();
    }
  }, true);
})();
