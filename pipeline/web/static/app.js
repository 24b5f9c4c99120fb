// klimatspend web app: progressive enhancements only; every page works without JavaScript.
(function () {
  "use strict";

  // Drag and drop onto the upload form's file field (the plain file picker stays usable).
  function setupDropzone(zone) {
    var input = zone.querySelector('input[type="file"]');
    var chosen = zone.querySelector("[data-file-chosen]");
    var dropText = zone.querySelector("[data-drop-text]");
    var max = parseInt(zone.getAttribute("data-max-bytes") || "0", 10);
    if (!input) { return; }
    if (dropText) { dropText.hidden = false; }
    function show() {
      var f = input.files && input.files[0];
      if (!chosen) { return; }
      if (!f) { chosen.textContent = ""; chosen.classList.remove("bad"); input.setCustomValidity(""); return; }
      var mb = (f.size / 1048576).toFixed(1);
      if (max && f.size > max) {
        chosen.textContent = f.name + " (" + mb + " MB): " + zone.getAttribute("data-too-large");
        chosen.classList.add("bad");
        input.setCustomValidity(zone.getAttribute("data-too-large"));
      } else {
        chosen.textContent = f.name + " (" + mb + " MB)";
        chosen.classList.remove("bad");
        input.setCustomValidity("");
      }
    }
    ["dragenter", "dragover"].forEach(function (ev) {
      zone.addEventListener(ev, function (e) { e.preventDefault(); zone.classList.add("dragover"); });
    });
    ["dragleave", "dragend"].forEach(function (ev) {
      zone.addEventListener(ev, function () { zone.classList.remove("dragover"); });
    });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("dragover");
      if (e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        show();
      }
    });
    input.addEventListener("change", show);
  }

  // Background jobs: poll the status and move on when the job is done.
  function setupJob(box) {
    var url = box.getAttribute("data-job-status-url");
    var reloadWhenDone = box.getAttribute("data-job-reload") === "1";
    var bar = box.querySelector("[data-job-progress]");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) { setTimeout(tick, 3000); return; }
          box.querySelector("[data-job-status]").textContent = s.status_text;
          box.querySelector("[data-job-step]").textContent = s.step;
          box.querySelector("[data-job-elapsed]").textContent = s.elapsed_text;
          box.querySelector("[data-job-left]").textContent = s.left_text;
          if (bar) {
            if (s.fraction === null) { bar.removeAttribute("value"); } else { bar.value = s.fraction; }
          }
          if (s.status === "done") {
            window.location.assign(reloadWhenDone || !s.result_url ? window.location.href : s.result_url);
          } else if (s.status === "failed") {
            window.location.reload();
          } else {
            setTimeout(tick, 1000);
          }
        })
        .catch(function () { setTimeout(tick, 3000); });
    }
    setTimeout(tick, 700);
  }

  // Forms that need a confirmation (delete, publish).
  function setupConfirm(form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-dropzone]"), setupDropzone);
    Array.prototype.forEach.call(document.querySelectorAll("[data-job-status-url]"), setupJob);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), setupConfirm);
    Array.prototype.forEach.call(document.querySelectorAll("[data-back]"), function (a) {
      a.addEventListener("click", function (e) { if (window.history.length > 1) { e.preventDefault(); window.history.back(); } });
    });
  });
})();
