// The batch status page (CSP: served from 'self', no inline code, no eval). The poll swaps
// only the summary; each section's count line comes with it out of band, carrying a stamp
// of its counts. A section's rows (100 a page) load when it is opened, and an open section
// whose rows were drawn at another stamp reloads them.
(function () {
  "use strict";

  function load(rows) {
    if (rows.hasAttribute("data-loading")) return;
    rows.setAttribute("data-loading", "");
    // Its own source: requests from one element (the default, body) would cancel each other.
    var url = rows.getAttribute("data-url");
    window.htmx.ajax("GET", url, { source: rows, target: rows, swap: "outerHTML" });
  }

  function stale(rows) {
    var head = document.getElementById("head-" + rows.getAttribute("data-section-rows"));
    if (!rows.hasAttribute("data-stamp")) return true; // not loaded yet
    return head !== null && head.getAttribute("data-stamp") !== rows.getAttribute("data-stamp");
  }

  function refreshOpenSections() {
    var open = document.querySelectorAll("details.batch-section[open] > .section-rows");
    Array.prototype.forEach.call(open, function (rows) {
      if (stale(rows)) load(rows);
    });
  }

  // The poll's 304 reaches HTMX as the browser's cached 200 (the browser itself revalidates
  // with If-None-Match). Should a bare 304 ever reach it, base.html's responseHandling
  // ("[23]..": swap) would swap its empty body over the summary: keep the summary instead.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 304) event.detail.shouldSwap = false;
  });

  // After the summary is swapped in (its count lines with it): htmx:load fires on the new
  // elements (the old summary is detached, its events reach nobody). Once per swap, cheap.
  var pending = false;
  document.addEventListener("htmx:load", function () {
    if (pending) return;
    pending = true;
    window.setTimeout(function () {
      pending = false;
      refreshOpenSections();
    }, 0);
  });
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.matches || !details.matches("details.batch-section") || !details.open) return;
    var rows = details.querySelector(":scope > .section-rows");
    if (rows && stale(rows)) load(rows);
  }, true);
})();
