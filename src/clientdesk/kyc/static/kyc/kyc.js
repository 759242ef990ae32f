/* KYC pages: drag and drop on the upload zone, zoom in the reviewer's viewer.
   Everything works without it (a plain file input, the image at its own size). */
(function () {
  "use strict";

  function fileList(zone, input) {
    var list = zone.querySelector(".dropzone-files");
    if (!list) return;
    list.innerHTML = "";
    Array.prototype.forEach.call(input.files, function (file) {
      var item = document.createElement("li");
      item.textContent = file.name + " (" + Math.ceil(file.size / 1024) + " KB)";
      list.appendChild(item);
    });
  }

  function setupDropzone(zone) {
    var input = zone.querySelector("input[type=file]");
    if (!input || zone.dataset.ready) return;
    zone.dataset.ready = "1";
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("is-over");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("is-over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      var transfer = new DataTransfer();
      Array.prototype.forEach.call(input.files, function (f) { transfer.items.add(f); });
      Array.prototype.forEach.call(event.dataTransfer.files, function (f) { transfer.items.add(f); });
      input.files = transfer.files;
      fileList(zone, input);
    });
    input.addEventListener("change", function () { fileList(zone, input); });
  }

  function setupViewer(viewer) {
    var img = viewer.querySelector("img");
    var label = document.querySelector("[data-zoom-label]");
    if (!img || viewer.dataset.ready) return;
    viewer.dataset.ready = "1";
    var scale = 1;
    function fit() {
      var natural = img.naturalWidth || img.width;
      return natural ? Math.min(1, (viewer.clientWidth - 2) / natural) : 1;
    }
    function apply() {
      img.style.transform = "scale(" + scale + ")";
      img.style.width = img.naturalWidth + "px";
      var wrap = img.parentElement;
      wrap.style.width = img.naturalWidth * scale + "px";
      wrap.style.height = img.naturalHeight * scale + "px";
      if (label) label.textContent = Math.round(scale * 100) + "%";
    }
    function start() { scale = fit(); apply(); }
    if (img.complete) start(); else img.addEventListener("load", start);
    document.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var how = button.getAttribute("data-zoom");
        if (how === "in") scale = Math.min(scale * 1.25, 6);
        else if (how === "out") scale = Math.max(scale / 1.25, 0.1);
        else scale = fit();
        apply();
      });
    });
  }

  function init() {
    document.querySelectorAll("[data-dropzone]").forEach(setupDropzone);
    document.querySelectorAll("[data-viewer]").forEach(setupViewer);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
