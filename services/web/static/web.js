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

  // Return sheet: say at once when a result looks implausible. The server
  // judges again on submit and asks the lead to confirm; this only warns early.
  var COUNT_UNITS = ["number", "rate_per_1000", "rate_per_10000", "rate_per_100000"];
  var NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
  document.querySelectorAll("input[data-plausible]").forEach(function (input) {
    var out = document.getElementById(input.getAttribute("data-plausible"));
    var unit = input.getAttribute("data-unit");
    var previous = parseFloat(input.getAttribute("data-previous"));
    if (!out) { return; }
    // Judged as the lead types, so the page settles before they move on (a
    // warning appearing on leaving the field would move what they click next).
    input.addEventListener("input", function () {
      var text = input.value.replace(/[, ]/g, "").replace(/%$/, "");
      var found = [];
      if (NUMBER.test(text)) {
        var value = parseFloat(text);
        if (unit === "percent" && (value < 0 || value > 100)) {
          found.push("A percentage is normally between 0 and 100");
        }
        if (COUNT_UNITS.indexOf(unit) !== -1 && value < 0) {
          found.push("A count or rate cannot normally be negative");
        }
        if (previous) {
          var ratio = Math.abs(value) / Math.abs(previous);
          if (ratio > 10) {
            found.push("This is more than ten times the previous result");
          } else if (ratio < 0.1) {
            found.push("This is less than a tenth of the previous result");
          }
        }
      }
      var said = found.length ?
        found.join("; ") + ". You will be asked to confirm it when you submit." : "";
      if (out.textContent !== said) {  // a live region: speak only on a change
        out.textContent = said;
        out.hidden = !said;
      }
    });
  });
})();
