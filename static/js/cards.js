/* Wide tables become cards on a phone (livelihood.css, below 768 px): each cell is labelled
   with its column's heading, counting the cells a rowspan carries down from rows above. */
(function () {
  "use strict";

  function headings(table) {
    var row = table.querySelector("thead tr:last-child");
    var names = [];
    if (!row) {
      return names;
    }
    Array.prototype.forEach.call(row.children, function (cell) {
      for (var i = 0; i < (cell.colSpan || 1); i++) {
        names.push(cell.textContent.trim());
      }
    });
    return names;
  }

  function label(table) {
    var names = headings(table);
    if (!names.length) {
      return;
    }
    var carried = {};
    Array.prototype.forEach.call(table.querySelectorAll(":scope > tbody > tr"), function (row) {
      var column = 0;
      var started = {};
      Array.prototype.forEach.call(row.children, function (cell) {
        while (carried[column] > 0) {
          column++;
        }
        if (!cell.hasAttribute("data-label") && (cell.colSpan || 1) === 1) {
          cell.setAttribute("data-label", names[column] || "");
        }
        if (cell.rowSpan > 1) {
          started[column] = cell.rowSpan - 1;
        }
        column += cell.colSpan || 1;
      });
      Object.keys(carried).forEach(function (key) {
        carried[key]--;
      });
      Object.keys(started).forEach(function (key) {
        carried[key] = started[key];
      });
    });
  }

  document.querySelectorAll("table.table-cards, .table-responsive > table").forEach(label);
})();
