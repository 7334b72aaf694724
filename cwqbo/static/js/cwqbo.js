// cwqbo's own script (CSP: served from 'self', no inline code, no eval).
// Phones: tables turn into stacked rows "label: value" (CSS, below 640 px); each cell gets
// its column's heading as data-label here, on load and after every HTMX swap.
(function () {
  "use strict";

  function headings(table) {
    var head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!head) return null;
    var labels = [];
    Array.prototype.forEach.call(head.cells, function (cell) {
      // A heading kept only for screen readers ("Remove") labels nothing on screen.
      var shown = cell.cloneNode(true);
      Array.prototype.forEach.call(shown.querySelectorAll(".visually-hidden"), function (el) {
        el.remove();
      });
      var text = (shown.textContent || "").replace(/\s+/g, " ").trim();
      for (var n = 0; n < (cell.colSpan || 1); n++) labels.push(text);
    });
    return labels;
  }

  function label(root) {
    var tables = root.querySelectorAll ? root.querySelectorAll("table") : [];
    Array.prototype.forEach.call(tables, function (table) {
      var labels = headings(table);
      if (!labels) return;
      table.classList.add("stacks");
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          var column = 0;
          Array.prototype.forEach.call(row.cells, function (cell) {
            var text = labels[column] || "";
            if (!cell.hasAttribute("data-label") && text && cell.colSpan < labels.length) {
              cell.setAttribute("data-label", text);
            }
            column += cell.colSpan || 1;
          });
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { label(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    // The swapped element may be a row or a body: label its whole table again.
    var table = event.target.closest && event.target.closest("table");
    label(table ? table.parentNode : event.target);
  });
})();
