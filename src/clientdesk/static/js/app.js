/* ClientDesk UI behaviour. Vanilla JS, no build step, loaded with `defer` after htmx.
 *
 *  - Ctrl+K / Cmd+K / "/" palette (#palette, #palette-input, .palette-item)
 *  - keyboard shortcuts: "n" (or any key) follows [data-shortcut="<key>"], j/k move through
 *    table rows, arrows move between tabs, "?" lists the shortcuts
 *  - [data-confirm] confirmation dialog for buttons, links and forms
 *  - [data-open-dialog="<id>"] opens <dialog id="<id>">; [data-close-dialog] closes its dialog
 *  - focus on the first invalid field of a form page
 *  - <select data-autosubmit> submits its form when an option is chosen (no inline onchange: CSP)
 *  - dismissible messages, and a "showMessage" event for htmx responses (HX-Trigger)
 *  - mobile navigation drawer, user menu, htmx list-swap niceties
 *  - exact identifiers (PAN, Aadhaar, ID numbers) never go into a URL: the palette and the
 *    forms marked [data-lookup-url] send them by POST (docs/security-data.md)
 */
(function () {
  "use strict";

  var isMac = /Mac|iPhone|iPad|iPod/.test(navigator.platform || navigator.userAgent || "");

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  function isTyping(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag === "INPUT") {
      var type = (el.getAttribute("type") || "text").toLowerCase();
      return ["checkbox", "radio", "button", "submit", "reset", "file", "range", "color", "image"].indexOf(type) === -1;
    }
    return false;
  }

  function openDialog() { return $("dialog[open]"); }

  function isVisible(el) { return !!(el && (el.offsetWidth || el.offsetHeight || el.getClientRects().length)); }

  function showModal(dialog) {
    if (!dialog || dialog.open) return;
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
  }

  function closeModal(dialog, value) {
    if (!dialog || !dialog.open) return;
    if (typeof dialog.close === "function") dialog.close(value);
    else dialog.removeAttribute("open");
  }

  /* A click on the backdrop of a modal <dialog> closes it (the dialog itself is the target). */
  function closeOnBackdrop(dialog) {
    if (dialog.hasAttribute("data-backdrop-close")) return;
    dialog.setAttribute("data-backdrop-close", "");
    dialog.addEventListener("click", function (event) {
      if (event.target !== dialog) return;
      var r = dialog.getBoundingClientRect();
      var inside = event.clientX >= r.left && event.clientX <= r.right && event.clientY >= r.top && event.clientY <= r.bottom;
      if (!inside) closeModal(dialog, "cancel");
    });
  }

  /* ---------------------------------------------------------------- identifiers stay out of URLs */
  /* A term that is, or is on its way to being, an exact identifier: a digit with a letter
     (PAN, passport, voter ID, licence ...) or 8+ digits (Aadhaar). The server decides whether
     it is a complete one (customers.lookup.looks_like_identifier); this only keeps it, and
     every prefix of it, out of GET URLs, access logs and the browser history. */
  var identifiers = {
    mightBe: function (term) {
      var value = (term || "").replace(/[\s-]+/g, "");
      if (value.charAt(0) === "+" || !/\d/.test(value)) return false;
      return /[A-Za-z]/.test(value) || value.replace(/\D/g, "").length >= 8;
    },
    csrfToken: function () {
      try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
      catch (e) { return ""; }
    },
  };

  /* A filter form with data-lookup-url: live search skips such terms (no request per
     keystroke); Enter, Apply or another filter posts the whole form to the lookup URL, which
     answers with a redirect to the list under a one-time ?lookup= token. */
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt && event.detail.elt.closest ? event.detail.elt.closest("form[data-lookup-url]") : null;
    if (!form || event.detail.verb !== "get") return;
    var field = form.querySelector("[name=q]");
    if (!field || !identifiers.mightBe(field.value)) return;
    var trigger = event.detail.triggeringEvent;
    if (trigger && (trigger.type === "input" || trigger.type === "keyup") && trigger.target === field) {
      event.preventDefault();
      return;
    }
    event.detail.verb = "post";
    event.detail.path = form.getAttribute("data-lookup-url");
    event.detail.useUrlParams = false;
    // htmx chose the headers for a GET: name the body's encoding, or Django reads no POST.
    event.detail.headers["Content-Type"] = "application/x-www-form-urlencoded";
  });

  /* Without htmx (or before it loads) a plain submit must not put the term in the URL either. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-lookup-url]") || form.hasAttribute("hx-get") && window.htmx) return;
    var field = form.querySelector("[name=q]");
    if (field && identifiers.mightBe(field.value)) {
      form.method = "post";
      form.action = form.getAttribute("data-lookup-url");
      if (!form.querySelector("[name=csrfmiddlewaretoken]")) {
        var token = document.createElement("input");
        token.type = "hidden"; token.name = "csrfmiddlewaretoken"; token.value = identifiers.csrfToken();
        form.appendChild(token);
      }
    }
  }, true);

  /* ---------------------------------------------------------------- platform key labels */
  function labelModifierKeys(root) {
    if (!isMac) return;
    $all("[data-kbd-mod]", root).forEach(function (el) { el.textContent = "⌘"; });
    $all("[data-palette-open][title]", root).forEach(function (el) { el.title = "Search (⌘K)"; });
  }

  /* ---------------------------------------------------------------- Ctrl+K palette */
  var palette = {
    dialog: null,
    input: null,
    results: null,
    meta: null,
    url: "",
    timer: null,
    controller: null,
    seq: 0,
    lastTerm: null,
    pendingEnter: false,
    returnFocus: null,
    hint: "",

    /* (Re)bind to the current #palette: an htmx history restore replaces the whole body. */
    init: function () {
      var dialog = document.getElementById("palette");
      if (!dialog || dialog === this.dialog) return;
      this.dialog = dialog;
      this.input = document.getElementById("palette-input");
      this.results = document.getElementById("palette-results");
      this.meta = document.getElementById("palette-meta");
      var source = this.dialog.hasAttribute("data-search-url") ? this.dialog : $("[data-search-url]");
      this.url = (source && source.getAttribute("data-search-url")) || "/search/";
      this.hint = this.results.innerHTML;
      closeOnBackdrop(this.dialog);
      // Keep the palette's typing from reaching page-level listeners (htmx triggers "from:body"…).
      ["input", "change", "keyup"].forEach(function (type) {
        palette.dialog.addEventListener(type, function (event) { event.stopPropagation(); });
      });

      var self = this;
      this.input.addEventListener("input", function () { self.schedule(); });
      this.input.addEventListener("keydown", function (event) { self.onKeydown(event); });
      this.results.addEventListener("mousemove", function (event) {
        var item = event.target.closest(".palette-item");
        if (item && item.getAttribute("aria-selected") !== "true") self.select(item, false);
      });
      this.dialog.addEventListener("close", function () {
        if (self.controller) self.controller.abort();
        clearTimeout(self.timer);
        self.pendingEnter = false;
        var target = self.returnFocus;
        self.returnFocus = null;
        if (target && document.contains(target) && typeof target.focus === "function") target.focus();
      });
    },

    open: function () {
      if (!this.dialog || !this.dialog.isConnected) this.init();
      if (!this.dialog || !this.dialog.isConnected) return;
      if (this.dialog.open) { this.input.focus(); this.input.select(); return; }
      var other = openDialog();
      if (other) closeModal(other, "cancel");
      closeNav();
      closeUserMenus();
      this.returnFocus = document.activeElement;
      showModal(this.dialog);
      this.input.focus();
      this.input.select();
    },

    close: function () { closeModal(this.dialog, "cancel"); },

    items: function () { return $all(".palette-item", this.results); },

    selected: function () { return $('.palette-item[aria-selected="true"]', this.results); },

    select: function (item, scroll) {
      this.items().forEach(function (el) { el.setAttribute("aria-selected", el === item ? "true" : "false"); });
      if (item) {
        if (!item.id) item.id = "palette-item-" + Math.random().toString(36).slice(2, 9);
        this.input.setAttribute("aria-activedescendant", item.id);
        if (scroll !== false) item.scrollIntoView({ block: "nearest" });
      } else {
        this.input.removeAttribute("aria-activedescendant");
      }
    },

    move: function (delta) {
      var items = this.items();
      if (!items.length) return;
      var index = items.indexOf(this.selected());
      var next = index === -1 ? (delta > 0 ? 0 : items.length - 1) : (index + delta + items.length) % items.length;
      this.select(items[next]);
    },

    follow: function (item, newTab) {
      if (!item) return;
      var href = item.getAttribute("href");
      if (!href) return;
      if (newTab) { window.open(href, "_blank", "noopener"); return; }
      this.close();
      window.location.assign(href);
    },

    onKeydown: function (event) {
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          this.move(1);
          break;
        case "ArrowUp":
          event.preventDefault();
          this.move(-1);
          break;
        case "Home":
          if (event.ctrlKey) { event.preventDefault(); this.select(this.items()[0]); }
          break;
        case "End":
          if (event.ctrlKey) { event.preventDefault(); var all = this.items(); this.select(all[all.length - 1]); }
          break;
        case "Enter":
          event.preventDefault();
          if (this.timer || (this.controller && this.input.value.trim() !== this.lastTerm)) {
            // Typed faster than the debounce: search now and open the first hit when it arrives.
            this.pendingEnter = true;
            if (this.timer) { clearTimeout(this.timer); this.timer = null; this.search(); }
            return;
          }
          this.follow(this.selected() || this.items()[0], event.ctrlKey || event.metaKey);
          break;
        case "Escape":
          // Native <dialog> closes on Escape; clear a non-empty query first, like most palettes.
          if (this.input.value) {
            event.preventDefault();
            this.input.value = "";
            this.schedule();
          }
          break;
      }
    },

    schedule: function () {
      var self = this;
      clearTimeout(this.timer);
      // A possible identifier goes by POST and, when complete, is an audited lookup: wait
      // for the typing to pause rather than look up every prefix.
      var delay = identifiers.mightBe(this.input.value.trim()) ? 450 : 120;
      this.timer = setTimeout(function () { self.timer = null; self.search(); }, delay);
    },

    search: function () {
      var term = this.input.value.trim();
      var self = this;
      if (this.controller) this.controller.abort();
      if (!term) {
        this.lastTerm = "";
        this.dialog.classList.remove("is-loading");
        this.results.innerHTML = this.hint;
        this.meta.textContent = "";
        this.input.removeAttribute("aria-activedescendant");
        this.pendingEnter = false;
        return;
      }
      var seq = ++this.seq;
      this.controller = typeof AbortController === "function" ? new AbortController() : null;
      this.dialog.classList.add("is-loading");
      var headers = { "X-Requested-With": "XMLHttpRequest", Accept: "text/html" };
      var request = { credentials: "same-origin", headers: headers, signal: this.controller ? this.controller.signal : undefined };
      var url = this.url;
      if (identifiers.mightBe(term)) {  // in the body, never in the URL
        request.method = "POST";
        request.body = new URLSearchParams({ q: term });
        headers["X-CSRFToken"] = identifiers.csrfToken();
      } else {
        url += (url.indexOf("?") === -1 ? "?" : "&") + "q=" + encodeURIComponent(term);
      }
      fetch(url, request)
        .then(function (response) {
          if (response.redirected && /login/.test(response.url)) throw new Error("session");
          if (!response.ok) throw new Error("status " + response.status);
          return response.text();
        })
        .then(function (html) {
          if (seq !== self.seq) return;
          self.lastTerm = term;
          self.render(html);
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") return;
          if (seq !== self.seq) return;
          self.lastTerm = term;
          self.pendingEnter = false;
          self.results.innerHTML = error && error.message === "session"
            ? '<div class="palette-empty" role="status"><p>Your session has ended.</p><p><a href="">Sign in again</a> to search.</p></div>'
            : '<div class="palette-empty" role="status"><p>Search is not available right now.</p><p class="muted text-xs">Try again in a moment.</p></div>';
          self.meta.textContent = "";
        })
        .then(function () {
          if (seq === self.seq) self.dialog.classList.remove("is-loading");
        });
    },

    render: function (html) {
      this.results.innerHTML = html;
      this.results.scrollTop = 0;
      var items = this.items();
      var status = $("[data-palette-status]", this.results);
      if (status) {
        var total = status.getAttribute("data-total");
        var count = total !== null && total !== "" ? parseInt(total, 10) : items.length;
        var ms = status.getAttribute("data-elapsed-ms");
        this.meta.textContent = count + (count === 1 ? " result" : " results") + (ms !== null && ms !== "" ? " in " + ms + " ms" : "");
      } else {
        this.meta.textContent = "";
      }
      this.select(items[0] || null);
      if (this.pendingEnter) {
        this.pendingEnter = false;
        if (items[0]) this.follow(items[0], false);
      }
    },
  };

  /* ---------------------------------------------------------------- confirm dialogs */
  var confirmDialog = {
    dialog: null,
    pending: null,

    bind: function () {
      var dialog = document.getElementById("confirm-dialog");
      var self = this;
      if (!dialog || dialog === this.dialog) return;
      this.dialog = dialog;
      closeOnBackdrop(dialog);
      dialog.addEventListener("close", function () {
        var proceed = self.pending;
        self.pending = null;
        if (proceed && dialog.returnValue === "ok") proceed();
      });
    },

    init: function () {
      var self = this;
      this.bind();
      // Capture phase: runs before htmx's own listeners on the element, so hx-post buttons wait too.
      document.addEventListener("click", function (event) {
        var el = event.target.closest("[data-confirm]");
        if (!el || el.tagName === "FORM" || el.hasAttribute("data-confirmed")) return;
        event.preventDefault();
        event.stopImmediatePropagation();
        self.ask(el, function () {
          el.setAttribute("data-confirmed", "");
          try { el.click(); } finally { el.removeAttribute("data-confirmed"); }
        });
      }, true);
      document.addEventListener("submit", function (event) {
        var form = event.target;
        if (!form.hasAttribute || !form.hasAttribute("data-confirm") || form.hasAttribute("data-confirmed")) return;
        event.preventDefault();
        var submitter = event.submitter || null;
        self.ask(form, function () {
          form.setAttribute("data-confirmed", "");
          try {
            if (typeof form.requestSubmit === "function") form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
            else form.submit();
          } finally { form.removeAttribute("data-confirmed"); }
        });
      }, true);
    },

    ask: function (el, proceed) {
      var message = el.getAttribute("data-confirm") || "Are you sure?";
      if (!this.dialog || !this.dialog.isConnected) this.bind();
      if (!this.dialog || typeof this.dialog.showModal !== "function") {
        if (window.confirm(message)) proceed();
        return;
      }
      var danger = el.getAttribute("data-confirm-tone") === "danger" || el.classList.contains("btn-danger");
      var ok = $("[data-confirm-ok]", this.dialog);
      var cancel = $("[data-confirm-cancel]", this.dialog);
      $("#confirm-title", this.dialog).textContent = el.getAttribute("data-confirm-title") || "Are you sure?";
      $("#confirm-message", this.dialog).textContent = message;
      ok.textContent = el.getAttribute("data-confirm-action") || "Confirm";
      ok.className = "btn " + (danger ? "btn-danger" : "btn-primary");
      this.pending = proceed;
      this.dialog.returnValue = "";
      var opener = document.activeElement;
      showModal(this.dialog);
      (danger ? cancel : ok).focus();
      this.dialog.addEventListener("close", function restore() {
        if (opener && document.contains(opener) && typeof opener.focus === "function") opener.focus();
      }, { once: true });
    },
  };

  /* ---------------------------------------------------------------- form helpers */
  function focusFirstInvalid(root) {
    var field = $(".field.has-error input:not([type=hidden]), .field.has-error select, .field.has-error textarea", root || document);
    if (!field) return;
    field.focus({ preventScroll: true });
    field.scrollIntoView({ block: "center" });
  }

  /* ---------------------------------------------------------------- messages */
  function dismissAlert(alert) {
    if (!alert) return;
    alert.classList.add("is-leaving");
    setTimeout(function () { if (alert.parentNode) alert.parentNode.removeChild(alert); }, 180);
  }

  var ALERT_ICONS = { success: "icon-check", error: "icon-alert-triangle", warning: "icon-alert-triangle", info: "icon-bell" };

  function addMessage(level, text) {
    var container = document.getElementById("messages");
    if (!container || !text) return;
    level = ALERT_ICONS[level] ? level : "info";
    var alert = document.createElement("div");
    alert.className = "alert alert-" + level;
    alert.setAttribute("role", level === "error" ? "alert" : "status");
    var icon = document.createElement("span");
    icon.className = "icon " + ALERT_ICONS[level];
    icon.setAttribute("aria-hidden", "true");
    var body = document.createElement("div");
    body.className = "alert-body";
    body.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "alert-dismiss";
    close.setAttribute("data-dismiss", "");
    close.setAttribute("aria-label", "Dismiss");
    close.innerHTML = '<span class="icon icon-sm icon-x" aria-hidden="true"></span>';
    alert.appendChild(icon);
    alert.appendChild(body);
    alert.appendChild(close);
    container.appendChild(alert);
  }

  /* ---------------------------------------------------------------- navigation drawer and menus */
  function setNav(open) {
    document.documentElement.classList.toggle("nav-open", open);
    $all("[data-nav-toggle]").forEach(function (el) { el.setAttribute("aria-expanded", open ? "true" : "false"); });
    if (open) {
      var first = $("#sidebar .nav-item.active") || $("#sidebar .nav-item");
      if (first) first.focus();
    }
  }
  function closeNav() {
    if (document.documentElement.classList.contains("nav-open")) setNav(false);
  }
  function closeUserMenus(except) {
    $all("details.user-menu[open]").forEach(function (d) { if (d !== except) d.removeAttribute("open"); });
  }

  /* ---------------------------------------------------------------- table rows (j / k) */
  function moveRow(delta) {
    var rows = $all(".table tbody tr:not(.table-empty)").filter(isVisible);
    if (!rows.length) return false;
    var current = rows.findIndex(function (r) { return r.classList.contains("is-current"); });
    if (current === -1) {
      var focused = document.activeElement && document.activeElement.closest && document.activeElement.closest(".table tbody tr");
      current = focused ? rows.indexOf(focused) : -1;
    }
    var next = current === -1 ? (delta > 0 ? 0 : rows.length - 1) : Math.max(0, Math.min(rows.length - 1, current + delta));
    rows.forEach(function (r) { r.classList.remove("is-current"); });
    var row = rows[next];
    row.classList.add("is-current");
    var target = $("a[href], button:not([disabled])", row);
    if (!target) {
      row.setAttribute("tabindex", "-1");
      target = row;
    }
    target.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
    return true;
  }

  /* ---------------------------------------------------------------- global keyboard */
  function onKeydown(event) {
    var key = event.key;
    var typing = isTyping(event.target);

    // Ctrl+K / Cmd+K opens the palette from anywhere, even inside a field.
    if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && (key === "k" || key === "K")) {
      if (palette.dialog) {
        event.preventDefault();
        if (palette.dialog.open) palette.close(); else palette.open();
      }
      return;
    }

    if (key === "Escape") {
      closeNav();
      var menu = $("details.user-menu[open]");
      if (menu) { menu.removeAttribute("open"); $("summary", menu).focus(); }
      return;
    }

    if (event.ctrlKey || event.metaKey || event.altKey || typing || event.defaultPrevented) return;
    if (openDialog()) return;

    if (key === "/") {
      if (palette.dialog) { event.preventDefault(); palette.open(); }
      return;
    }
    if (key === "?") {
      var help = document.getElementById("shortcuts");
      if (help) { event.preventDefault(); showModal(help); }
      return;
    }
    if (key === "j" || key === "k") {
      if (moveRow(key === "j" ? 1 : -1)) event.preventDefault();
      return;
    }
    if ((key === "ArrowLeft" || key === "ArrowRight") && event.target.closest && event.target.closest(".tabs")) {
      var tabs = $all(".tab", event.target.closest(".tabs")).filter(isVisible);
      var index = tabs.indexOf(event.target.closest(".tab"));
      if (index !== -1 && tabs.length > 1) {
        event.preventDefault();
        tabs[(index + (key === "ArrowRight" ? 1 : -1) + tabs.length) % tabs.length].focus();
      }
      return;
    }
    if (key.length === 1 && !event.shiftKey) {
      var escaped = key.replace(/["\\]/g, "\\$&");
      var targets = $all('[data-shortcut="' + escaped + '"]').filter(function (el) {
        return isVisible(el) && !el.disabled && el.getAttribute("aria-disabled") !== "true";
      });
      if (targets.length) {
        event.preventDefault();
        targets[0].click();
      }
    }
  }

  /* ---------------------------------------------------------------- wiring */
  /* Element-level set-up; runs on load and again after htmx restores a page from its history. */
  function setUpPage() {
    labelModifierKeys(document);
    palette.init();
    confirmDialog.bind();
    $all("dialog.modal").forEach(closeOnBackdrop);
    $all("[data-back]").forEach(function (el) { if (window.history.length > 1) el.hidden = false; });
    document.documentElement.classList.remove("nav-open");
  }

  function init() {
    confirmDialog.init();
    setUpPage();

    document.addEventListener("keydown", onKeydown);

    document.addEventListener("click", function (event) {
      var target = event.target;
      if (target.closest("[data-palette-open]")) {
        event.preventDefault();
        palette.open();
        return;
      }
      var dismiss = target.closest("[data-dismiss]");
      if (dismiss) { dismissAlert(dismiss.closest(".alert")); return; }
      if (target.closest("[data-nav-toggle]")) {
        event.preventDefault();
        setNav(!document.documentElement.classList.contains("nav-open"));
        return;
      }
      if (target.closest("[data-nav-close]")) {
        event.preventDefault();
        setNav(false);
        var toggle = $("[data-nav-toggle]");
        if (toggle && isVisible(toggle)) toggle.focus();
        return;
      }
      if (target.closest("#sidebar .nav-item")) closeNav();
      if (target.closest("[data-back]")) { history.back(); return; }
      var opener = target.closest("[data-open-dialog]");
      if (opener) {
        var dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
        if (dialog) {
          event.preventDefault();
          closeOnBackdrop(dialog);
          showModal(dialog);
          var first = $("[autofocus], input:not([type=hidden]), select, textarea", dialog);
          if (first) first.focus();
          dialog.addEventListener("close", function () { if (document.contains(opener)) opener.focus(); }, { once: true });
        }
        return;
      }
      var closer = target.closest("[data-close-dialog]");
      if (closer) {
        event.preventDefault();
        closeModal(closer.closest("dialog"), "cancel");
        return;
      }
      closeUserMenus(target.closest("details.user-menu"));
      var row = target.closest(".table tbody tr");
      $all(".table tbody tr.is-current").forEach(function (r) { if (r !== row) r.classList.remove("is-current"); });
    });

    // When the sidebar was opened without JS (#sidebar :target), keep the state consistent.
    if (window.location.hash === "#sidebar") history.replaceState(null, "", window.location.pathname + window.location.search);

    focusFirstInvalid(document);

    // <select data-autosubmit>: choosing an option submits its form (an inline onchange would
    // need 'unsafe-inline' in the Content Security Policy).
    document.addEventListener("change", function (event) {
      var field = event.target;
      if (!field.hasAttribute || !field.hasAttribute("data-autosubmit") || !field.form) return;
      if (typeof field.form.requestSubmit === "function") field.form.requestSubmit();
      else field.form.submit();
    });

    // htmx: messages from HX-Trigger: {"showMessage": {"level": "success", "message": "Saved."}}
    document.body.addEventListener("showMessage", function (event) {
      var d = event.detail || {};
      addMessage(d.level || d.tags || "info", d.message || d.value || (typeof d === "string" ? d : ""));
    });

    // htmx: dim the list while it reloads, keep keyboard focus on the control that was used,
    // and fall back to a normal page load when the page has no swap target.
    var focusKey = null;
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      var elt = event.detail && event.detail.elt;
      focusKey = elt && elt.getAttribute && elt.getAttribute("data-focus-key");
      var target = event.detail && event.detail.target;
      if (target && target.id === "list-results") target.setAttribute("aria-busy", "true");
    });
    function clearBusy(event) {
      var target = event.detail && event.detail.target;
      if (target && target.removeAttribute) target.removeAttribute("aria-busy");
    }
    // afterRequest does not reach us when the swap removed the element that asked; afterSwap does.
    document.body.addEventListener("htmx:afterRequest", clearBusy);
    document.body.addEventListener("htmx:afterSwap", clearBusy);
    document.body.addEventListener("htmx:sendError", clearBusy);
    // The history snapshot is taken mid-request: keep transient state out of it.
    document.body.addEventListener("htmx:beforeHistorySave", function () {
      $all("[aria-busy]").forEach(function (el) { el.removeAttribute("aria-busy"); });
      $all("details.user-menu[open]").forEach(function (d) { d.removeAttribute("open"); });
      $all("dialog[open]:not(#palette)").forEach(function (d) { closeModal(d); });
      document.documentElement.classList.remove("nav-open");
    });
    document.body.addEventListener("htmx:afterSettle", function (event) {
      var target = event.detail && event.detail.target;
      if (!target) return;
      labelModifierKeys(target);
      focusFirstInvalid(target);
      if (focusKey) {
        var again = target.querySelector('[data-focus-key="' + focusKey.replace(/["\\]/g, "\\$&") + '"]');
        if (again) again.focus({ preventScroll: true });
        focusKey = null;
      }
    });
    document.body.addEventListener("htmx:historyRestore", setUpPage);
    document.body.addEventListener("htmx:targetError", function (event) {
      var elt = event.target;
      var href = elt && (elt.getAttribute("href") || elt.getAttribute("hx-get"));
      if (href) window.location.assign(href);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();

  window.ClientDesk = { openPalette: function () { palette.open(); }, addMessage: addMessage };
})();
