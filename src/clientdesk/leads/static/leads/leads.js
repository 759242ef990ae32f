/* Lead list: "select all" for the bulk bar, and forms that carry the current (htmx-pushed) URL. */
(function () {
  "use strict";

  function items() { return document.querySelectorAll("[data-bulk-item]"); }

  function updateCount() {
    var label = document.querySelector("[data-bulk-count]");
    if (!label) return;
    var n = 0;
    items().forEach(function (box) { if (box.checked) n += 1; });
    label.textContent = n ? n + " selected" : "Tick leads below to change them together.";
    label.classList.toggle("has-selection", n > 0);
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-bulk-all]")) {
      items().forEach(function (box) { box.checked = target.checked; });
    }
    if (target.matches && target.matches("[data-bulk-all], [data-bulk-item]")) updateCount();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var here = window.location.pathname + window.location.search;
    var next = form.querySelector("[data-current-url]");
    if (next) next.value = here;
    var query = form.querySelector("[data-current-query]");
    if (query) {
      var params = new URLSearchParams(window.location.search);
      params.delete("page");
      params.delete("export");
      query.value = params.toString();
    }
  }, true);

  document.body.addEventListener("htmx:afterSwap", updateCount);
})();
