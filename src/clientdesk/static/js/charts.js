/* ClientDesk charts: draws Chart.js charts from JSON that the server put on the page.
 *
 * Markup (templates/transactions/_chart.html writes it):
 *
 *   <figure class="chart" data-chart-figure>
 *     <div class="chart-box" data-chart="<id of a json_script>" hidden><canvas aria-hidden="true"></canvas></div>
 *     <div class="chart-table" data-chart-table> <table>…the same numbers…</table> </div>
 *   </figure>
 *   <button data-chart-toggle="<figure id>" aria-pressed="false">Table</button>
 *
 * The table is the accessible version and the fallback: without JavaScript, or when Chart.js
 * is missing, it is simply shown. Once a chart is drawn, the table stays in the page for
 * screen readers (visually hidden) and the toggle shows it to everyone.
 *
 * The JSON: {type: "bar"|"line"|"doughnut", labels: [...], series: [{label, data, tone}],
 *            horizontal, stacked, format: "number"|"amount"|"percent", tones: [...] (doughnut)}
 * Colours come from the design tokens in app.css (tones green, red, amber, blue, grey, accent).
 */
(function () {
  "use strict";

  var charts = [];

  function token(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  var TONES = {
    accent: ["--accent", "#4f46e5"],
    green: ["--green-dot", "#22c55e"],
    red: ["--red-dot", "#ef4444"],
    amber: ["--amber-dot", "#f59e0b"],
    orange: ["--orange-dot", "#f97316"],
    blue: ["--blue-dot", "#3b82f6"],
    grey: ["--grey-dot", "#94a3b8"],
  };
  // Doughnut slices and unnamed series cycle through these.
  var CYCLE = ["accent", "blue", "green", "amber", "orange", "red", "grey"];

  function tone(name, index) {
    var pair = TONES[name] || TONES[CYCLE[(index || 0) % CYCLE.length]];
    return token(pair[0], pair[1]);
  }

  function formatter(kind) {
    var locale = document.documentElement.lang || "en-GB";
    if (kind === "percent") {
      return function (v) { return new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(v) + "%"; };
    }
    var compact = new Intl.NumberFormat(locale, { notation: "compact", maximumFractionDigits: 1 });
    var full = new Intl.NumberFormat(locale, { maximumFractionDigits: kind === "amount" ? 2 : 0 });
    return function (v, long) { return long ? full.format(v) : compact.format(v); };
  }

  function datasets(spec) {
    var doughnut = spec.type === "doughnut";
    return spec.series.map(function (s, i) {
      var colour = tone(s.tone, i);
      var set = {
        label: s.label,
        data: s.data,
        backgroundColor: doughnut ? (spec.tones || []).map(function (t, j) { return tone(t, j); }) : colour,
        borderColor: doughnut ? token("--surface", "#fff") : colour,
        borderWidth: doughnut ? 2 : spec.type === "line" ? 2 : 0,
        borderRadius: spec.type === "bar" ? 3 : 0,
        maxBarThickness: 36,
        pointRadius: spec.type === "line" ? 2 : 0,
        tension: 0.25,
      };
      if (spec.type === "line") { set.fill = false; }
      return set;
    });
  }

  function config(spec) {
    var format = formatter(spec.format);
    var text = token("--text-muted", "#64748b");
    var grid = token("--border-subtle", "#eef0f3");
    var font = { family: token("--font", "system-ui"), size: 12 };
    var valueAxis = {
      beginAtZero: true,
      stacked: !!spec.stacked,
      grid: { color: grid },
      border: { display: false },
      ticks: { color: text, font: font, precision: 0, callback: function (v) { return format(v); } },
    };
    var labelAxis = {
      stacked: !!spec.stacked,
      grid: { display: false },
      border: { color: grid },
      ticks: { color: text, font: font, autoSkip: true, maxRotation: 0 },
    };
    var many = spec.series.length > 1 || spec.type === "doughnut";
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false, // pages answer instantly; nothing moves
      indexAxis: spec.horizontal ? "y" : "x",
      interaction: { mode: spec.type === "doughnut" ? "nearest" : "index", intersect: spec.type === "doughnut" },
      plugins: {
        legend: {
          display: many,
          position: spec.type === "doughnut" ? "right" : "bottom",
          labels: { color: text, font: font, boxWidth: 10, boxHeight: 10, usePointStyle: true },
        },
        tooltip: {
          callbacks: {
            label: function (ctx) {
              var value = spec.type === "doughnut" ? ctx.parsed : ctx.parsed[spec.horizontal ? "x" : "y"];
              var name = spec.type === "doughnut" ? ctx.label : ctx.dataset.label;
              return " " + name + ": " + format(value, true) + (spec.unit ? " " + spec.unit : "");
            },
          },
        },
      },
    };
    if (spec.type !== "doughnut") {
      options.scales = spec.horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis };
    } else {
      options.cutout = "62%";
    }
    return { type: spec.type, data: { labels: spec.labels, datasets: datasets(spec) }, options: options };
  }

  function forget() {
    // Charts whose canvas left the page (an htmx swap) release their observers.
    charts = charts.filter(function (chart) {
      if (document.body.contains(chart.canvas)) return true;
      chart.destroy();
      return false;
    });
  }

  function draw(box) {
    if (box.hasAttribute("data-chart-drawn")) return;
    var source = document.getElementById(box.getAttribute("data-chart"));
    var canvas = box.querySelector("canvas");
    if (!source || !canvas) return;
    var spec = JSON.parse(source.textContent);
    box.hidden = false;
    charts.push(new window.Chart(canvas, config(spec)));
    box.setAttribute("data-chart-drawn", "");
    var figure = box.closest("[data-chart-figure]");
    if (figure) { figure.classList.add("is-charted"); }
  }

  function toggle(button) {
    var figure = document.getElementById(button.getAttribute("data-chart-toggle"));
    if (!figure || !figure.classList.contains("is-charted")) return;
    var showTable = !figure.classList.contains("show-table");
    figure.classList.toggle("show-table", showTable);
    button.setAttribute("aria-pressed", showTable ? "true" : "false");
  }

  function init(root) {
    if (typeof window.Chart !== "function") return; // the tables stay as they are
    forget();
    Array.prototype.forEach.call((root || document).querySelectorAll("[data-chart]"), draw);
    document.querySelectorAll("[data-chart-toggle]").forEach(function (b) {
      var figure = document.getElementById(b.getAttribute("data-chart-toggle"));
      b.hidden = !(figure && figure.classList.contains("is-charted"));
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-chart-toggle]");
    if (button) { toggle(button); }
  });
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();
