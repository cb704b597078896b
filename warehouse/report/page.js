// Draw every chart of the report and record how it went in window.__report (read by the tests
// and the benchmark): per chart the number of drawn items by mark type, errors, render time.
(function () {
  "use strict";
  var R = (window.__report = { charts: {}, errors: [], done: false, renderMs: null });
  window.addEventListener("error", function (e) { R.errors.push("error: " + (e.message || e)); });
  window.addEventListener("unhandledrejection", function (e) {
    R.errors.push("unhandled: " + ((e.reason && e.reason.message) || e.reason));
  });
  document.addEventListener("securitypolicyviolation", function (e) {
    R.errors.push("blocked by the page's policy: " + e.blockedURI + " (" + e.violatedDirective + ")");
  });
  function tally(node, counts) {
    if (!node) return;
    if (node.marktype && node.marktype !== "group" && node.role === "mark") {
      counts[node.marktype] = (counts[node.marktype] || 0) + (node.items ? node.items.length : 0);
    }
    (node.items || []).forEach(function (child) { tally(child, counts); });
  }
  var specs = JSON.parse(document.getElementById("report-specs").textContent);
  var jobs = Object.keys(specs).map(function (id) {
    var el = document.getElementById("vis-" + id);
    return vegaEmbed(el, specs[id], { mode: "vega", renderer: "svg", actions: false })
      .then(function (res) {
        var counts = {};
        tally(res.view.scenegraph().root, counts);
        var items = Object.keys(counts).reduce(function (a, k) { return a + counts[k]; }, 0);
        R.charts[id] = { items: items, marks: counts };
        el.closest("figure").dataset.rendered = items > 0 ? "yes" : "empty";
      })
      .catch(function (err) {
        R.charts[id] = { items: 0, error: String((err && err.message) || err) };
        R.errors.push(id + ": " + R.charts[id].error);
        el.className = "notice notice-error";
        el.textContent = "This chart could not be drawn: " + R.charts[id].error;
        el.closest("figure").dataset.rendered = "error";
      });
  });
  Promise.all(jobs).then(function () {
    R.renderMs = performance.now();
    R.done = true;
    document.body.dataset.rendered = "done";
  });
})();
