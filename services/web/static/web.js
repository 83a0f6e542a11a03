/* Small enhancements; every page works without them. */
(function () {
  "use strict";

  // Move focus to an error summary or a success notice so it is read out first.
  var summary = document.querySelector("[data-error-summary]") ||
    document.querySelector("[data-notice]");
  if (summary) { summary.focus(); }

  // Framework page: narrow the table as you type, without a round trip.
  var finder = document.querySelector("[data-quick-find]");
  var table = document.getElementById("framework-table");
  var count = document.getElementById("result-count");
  if (finder && table && count) {
    finder.hidden = false;
    var input = finder.querySelector("input");
    var rows = table.querySelectorAll("tr[data-row]");
    var total = count.textContent.replace(/^Showing \d+ of /, "");
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().trim();
      var shown = 0;
      rows.forEach(function (row) {
        var match = !words || row.textContent.toLowerCase().indexOf(words) !== -1;
        row.hidden = !match;
        if (match) { shown += 1; }
      });
      table.querySelectorAll("tbody[data-group]").forEach(function (group) {
        group.hidden = !group.querySelector("tr[data-row]:not([hidden])");
      });
      count.textContent = "Showing " + shown + " of " + total;
    });
  }

  // Indicator page: hide or show the automatic reassessments in the history.
  var tools = document.querySelector("[data-history-tools]");
  var history = document.getElementById("history-table");
  if (tools && history) {
    tools.hidden = false;
    var box = document.getElementById("show-assessments");
    box.addEventListener("change", function () {
      history.querySelectorAll("tr[data-kind='assessment']").forEach(function (row) {
        row.hidden = !box.checked;
      });
    });
  }
})();
