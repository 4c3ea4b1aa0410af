// Try it: send a dropped, chosen or linked photo and draw the answer with a bar per class, without a reload.
(function () {
  "use strict";
  var panel = document.querySelector("[data-answer]");
  if (!panel) return;
  var preview = panel.querySelector("[data-preview]");
  var errorBox = panel.querySelector("[data-error]");
  var result = panel.querySelector("[data-result]");
  var previewUrl = null;
  // Browsers other than Safari cannot draw HEIC (iPhone photos); NanoWeb still reads them, so show the
  // answer without a broken-picture icon.
  preview.addEventListener("error", function () { preview.hidden = true; });

  function showPreview(src) {
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = src && src.indexOf("blob:") === 0 ? src : null;
    preview.hidden = !src;
    if (src) preview.src = src;
  }

  function render(data) {
    panel.hidden = false;
    if (data.error) {
      errorBox.textContent = data.error.message;
      errorBox.hidden = false;
      result.hidden = true;
      return;
    }
    var a = data.answer;
    // The correction buttons (feedback.js) follow the answer shown.
    document.dispatchEvent(new CustomEvent("nanoweb:answer", {detail: a}));
    errorBox.hidden = true;
    result.hidden = false;
    // The words come from the server (services/prediction.py answer_in_words), the same as the API's.
    panel.querySelector("[data-verdict]").textContent = a.verdict;
    panel.querySelector("[data-explain]").textContent = a.explanation;
    var bars = panel.querySelector("[data-bars]");
    bars.textContent = "";
    a.bars.forEach(function (bar) {
      var li = document.createElement("li");
      var name = document.createElement("span"); name.className = "bar-label"; name.textContent = bar.label;
      var track = document.createElement("span"); track.className = "bar"; track.setAttribute("role", "img");
      track.setAttribute("aria-label", bar.label + ": " + bar.percent + "%");
      var fill = document.createElement("span"); fill.className = "bar-fill"; fill.style.width = bar.percent + "%";
      if (!a.unknown && bar.label === a.label) fill.classList.add("top");
      track.appendChild(fill);
      var value = document.createElement("span"); value.className = "bar-value"; value.textContent = bar.percent + "%";
      li.append(name, track, value);
      bars.appendChild(li);
    });
  }

  // The camera's live answers (try_camera.js) are drawn here too, without a preview: the video is one.
  window.NanoWeb.showAnswer = function (data) { showPreview(""); render(data); };

  function send(form, body) {
    panel.hidden = false;
    panel.setAttribute("aria-busy", "true");
    result.hidden = true;
    errorBox.hidden = false;
    errorBox.textContent = "Looking…";
    errorBox.classList.add("pending");
    window.NanoWeb.postForJson(form.action || location.href, body)
      .then(function (data) {
        errorBox.classList.remove("pending");
        panel.removeAttribute("aria-busy");
        render(data);
      });
  }

  function sendFile(form, file) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", form.querySelector('[name="csrfmiddlewaretoken"]').value);
    body.append("image", file, file.name);
    var version = form.querySelector('[name="version"]');  // the version picked on the page, if any
    if (version) body.append("version", version.value);
    // Forget the choice once read: choosing the same file again is then a change, and it runs again.
    var input = form.querySelector('input[type="file"]');
    if (input) input.value = "";
    showPreview(URL.createObjectURL(file));
    send(form, body);
  }

  document.querySelectorAll("form[data-try]").forEach(function (form) {
    var file = form.querySelector('input[type="file"]');
    var url = form.querySelector('input[name="url"]');
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (file) {
        if (file.files.length) sendFile(form, file.files[0]); else file.click();
      } else if (url) {
        showPreview(/^https?:\/\//i.test(url.value.trim()) ? url.value.trim() : "");
        send(form, new FormData(form));
      }
    });
    if (file) {
      file.addEventListener("change", function () { if (file.files.length) sendFile(form, file.files[0]); });
      window.NanoWeb.dropTarget(form, function (files) { sendFile(form, files[0]); });
    }
  });
})();
