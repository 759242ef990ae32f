/* Ticket list: "select all" and the count of selected tickets for the bulk actions (moved out of
   an inline script: the Content Security Policy allows none). */
(function () {
  "use strict";

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll('input[name="ticket"][form="bulk-form"]'));
  }

  function refresh() {
    var n = boxes().filter(function (box) { return box.checked; }).length;
    document.querySelectorAll("[data-selected-count]").forEach(function (el) { el.textContent = n; });
    document.querySelectorAll("[data-bulk-action]").forEach(function (el) { el.disabled = n === 0; });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target.matches) return;
    var all = target.matches('[data-select-all="ticket"]');
    if (all) boxes().forEach(function (box) { box.checked = target.checked; });
    if (all || target.name === "ticket") refresh();
  });
  document.addEventListener("htmx:afterSwap", refresh);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", refresh);
  else refresh();
})();
