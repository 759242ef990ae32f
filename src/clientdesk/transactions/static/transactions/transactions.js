/* Transactions pages (moved out of inline scripts: the Content Security Policy allows none).
 *
 *  - "Custom (from / to)" in the period menu (#id_period) shows the two date fields (.tx-range);
 *    any other period hides and clears them.
 *  - The rule form shows only the chosen rule type's parameters ([data-rule-params]); without
 *    JavaScript every group shows, and the server reads only the chosen type's.
 *
 * Full pages load this file, and so do the customer-profile tabs that htmx swaps in (htmx runs
 * their <script src>), so it may run more than once: the listener goes on once, and every run
 * brings the fields in line with the menus.
 */
(function () {
  "use strict";

  function syncPeriod() {
    var period = document.getElementById("id_period");
    if (!period) return;
    var custom = period.value === "custom";
    document.querySelectorAll(".tx-range").forEach(function (field) {
      field.hidden = !custom;
      if (!custom) field.querySelectorAll("input").forEach(function (input) { input.value = ""; });
    });
  }

  function syncRuleParams() {
    var select = document.getElementById("id_rule_type");
    if (!select) return;
    document.querySelectorAll("[data-rule-params]").forEach(function (group) {
      group.hidden = group.getAttribute("data-rule-params") !== select.value;
    });
    var hint = document.querySelector("[data-rule-params-hint]");
    if (hint) hint.hidden = !!select.value;
  }

  function syncAll() {
    syncPeriod();
    syncRuleParams();
  }

  if (window.ClientDeskTransactions) {
    window.ClientDeskTransactions.sync();
    return;
  }
  window.ClientDeskTransactions = { sync: syncAll };

  // Capture phase: the date fields are cleared before htmx reads the filter form for its request.
  document.addEventListener("change", function (event) {
    var id = event.target && event.target.id;
    if (id === "id_period") syncPeriod();
    else if (id === "id_rule_type") syncRuleParams();
  }, true);

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", syncAll);
  else syncAll();
})();
