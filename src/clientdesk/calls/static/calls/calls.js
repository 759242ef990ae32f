/* Calls (moved out of inline scripts: the Content Security Policy allows none).
 *
 *  - Call list: "Custom" in the period menu (#id_period) shows the from / to fields
 *    (#call-custom-range); any other period hides and clears them.
 *  - Customer profile quick actions: the "Call" link ([data-log-call]) dials as usual and opens
 *    the log-call dialog beside it; the "WhatsApp" link ([data-log-whatsapp]) opens the chat in a
 *    new tab while a keepalive POST notes it on the timeline. The POST's address and CSRF token
 *    come from #whatsapp-log (data-action, data-csrf-token), present when the user may note it.
 */
(function () {
  "use strict";

  if (window.ClientDeskCalls) return;
  window.ClientDeskCalls = true;

  // Capture phase: the range is cleared before htmx reads the filter form for its request.
  document.addEventListener("change", function (event) {
    var period = event.target;
    var range = document.getElementById("call-custom-range");
    if (!range || !period || period.id !== "id_period") return;
    range.hidden = period.value !== "custom";
    if (range.hidden) range.querySelectorAll("input").forEach(function (input) { input.value = ""; });
  }, true);

  function logWhatsapp(link) {
    var config = document.getElementById("whatsapp-log");
    var action = config && config.getAttribute("data-action");
    if (!action) return;
    var body = new FormData();
    body.append("csrfmiddlewaretoken", config.getAttribute("data-csrf-token") || "");
    body.append("number", link.getAttribute("data-log-whatsapp") || "");
    fetch(action, { method: "POST", body: body, credentials: "same-origin", keepalive: true })
      .then(function (response) {
        if (response.status === 201 && window.ClientDesk && window.ClientDesk.addMessage) {
          window.ClientDesk.addMessage("success", "WhatsApp chat noted on the timeline.");
        }
      })
      .catch(function () { /* the chat still opens; nothing else to do */ });
  }

  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    if (event.target.closest("[data-log-call]")) {
      var dialog = document.getElementById("log-call-dialog");
      if (dialog) setTimeout(function () { if (!dialog.open) dialog.showModal(); }, 0);
      return;
    }
    var whatsapp = event.target.closest("[data-log-whatsapp]");
    if (whatsapp) logWhatsapp(whatsapp);
  });
})();
