// The classifier pages' small behaviours: a photo's details in a dialog, selecting photos to remove,
// confirming deletions, copying a key, and uploading many dropped files in batches.
(function () {
  "use strict";

  // --- A photo's details ------------------------------------------------------------------------
  var dialog = document.getElementById("photo-dialog");
  function setField(name, value, href) {
    var dd = dialog.querySelector('[data-field="' + name + '"]');
    if (!dd) return;
    dd.textContent = "";
    dd.previousElementSibling.hidden = dd.hidden = !value;
    if (href) {
      var a = document.createElement("a");
      a.href = href; a.textContent = value; a.rel = "noopener noreferrer"; a.target = "_blank";
      dd.appendChild(a);
    } else {
      dd.textContent = value || "";
    }
  }
  function safeHref(url) { return /^https?:\/\//i.test(url || "") ? url : ""; }
  if (dialog && typeof dialog.showModal === "function") {
    document.addEventListener("click", function (event) {
      var button = event.target.closest("[data-photo]");
      if (!button) return;
      var d = button.dataset;
      dialog.querySelector("[data-dialog-img]").src = d.src;
      dialog.querySelector("[data-dialog-img]").alt = d.name || "Photo of " + d["class"];
      dialog.querySelector("[data-dialog-title]").textContent = d.name || "Photo";
      setField("class", d["class"]);
      setField("provider", d.provider);
      setField("source", d.source, safeHref(d.source));
      setField("page", d.page, safeHref(d.page));
      setField("author", d.author);
      setField("license", d.license, safeHref(d.licenseUrl));
      setField("fetched", d.fetched);
      setField("size", d.size);
      setField("flags", d.flags);
      var remove = dialog.querySelector("[data-dialog-remove]");
      if (remove) {
        remove.querySelector("[data-dialog-id]").value = d.id || "";
        remove.hidden = !d.id;
      }
      dialog.showModal();
    });
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) dialog.close();  // a click on the backdrop
    });
  }

  // --- Selecting photos to remove -----------------------------------------------------------------
  var bar = document.querySelector("[data-selection]");
  if (bar) {
    var count = bar.querySelector("[data-selection-count]");
    var submit = bar.querySelector('button[type="submit"]');
    var boxes = function () { return document.querySelectorAll('input[form="remove-form"]'); };
    var update = function () {
      var ids = new Set();
      boxes().forEach(function (box) { if (box.checked) ids.add(box.value); });
      // A photo can show twice (its class and the flagged list): keep both boxes in step.
      bar.hidden = ids.size === 0;
      submit.disabled = ids.size === 0;
      count.textContent = ids.size === 1 ? "1 photo selected" : ids.size + " photos selected";
    };
    document.addEventListener("change", function (event) {
      var box = event.target;
      if (box.matches && box.matches('input[form="remove-form"]')) {
        boxes().forEach(function (other) { if (other.value === box.value) other.checked = box.checked; });
        update();
      }
    });
    bar.querySelector("[data-selection-clear]").addEventListener("click", function () {
      boxes().forEach(function (box) { box.checked = false; });
      update();
    });
    bar.addEventListener("submit", function (event) {
      var ids = new Set();
      boxes().forEach(function (box) { if (box.checked) ids.add(box.value); });
      var what = ids.size === 1 ? "this photo" : "these " + ids.size + " photos";
      if (!window.confirm("Remove " + what + "? You can undo it for a few minutes afterwards.")) {
        event.preventDefault();
        return;
      }
      // Duplicate boxes would send an id twice; harmless, but keep the request tidy.
      var seen = new Set();
      boxes().forEach(function (box) {
        if (box.checked && seen.has(box.value)) box.disabled = true;
        seen.add(box.value);
      });
    });
    update();
  }

  // --- Select all (review page) --------------------------------------------------------------------
  document.querySelectorAll("[data-check-all]").forEach(function (all) {
    var form = all.closest("form");
    all.addEventListener("change", function () {
      form.querySelectorAll('input[name="example"]').forEach(function (box) { box.checked = all.checked; });
    });
  });

  // --- Confirmations and copying ------------------------------------------------------------------
  document.addEventListener("submit", function (event) {
    var message = event.target.dataset && event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) return;
    navigator.clipboard.writeText(button.dataset.copy).then(function () { button.textContent = "Copied"; });
  });

  // --- Uploading many files -----------------------------------------------------------------------
  // Requests over the server's size limit are refused whole, so files go in batches under it; each batch's
  // outcome is kept by the server and shown next to the class when the page reloads at the end.
  var MAX_FILES_PER_BATCH = 50;
  function batches(files, maxBytes) {
    var out = [], current = [], size = 0;
    files.forEach(function (file) {
      if (current.length && (size + file.size > maxBytes || current.length >= MAX_FILES_PER_BATCH)) {
        out.push(current); current = []; size = 0;
      }
      current.push(file); size += file.size;
    });
    if (current.length) out.push(current);
    return out;
  }
  function megabytes(n) { return (n / 1048576).toFixed(1) + " MB"; }

  function upload(form, files) {
    var status = form.querySelector("[data-upload-status]");
    var button = form.querySelector("[data-upload-button]");
    var maxBytes = parseInt(form.dataset.maxBytes, 10) || 25 * 1048576;
    var token = form.querySelector('[name="csrfmiddlewaretoken"]').value;
    var tooBig = files.filter(function (f) { return f.size > maxBytes * 0.95; });
    var sendable = files.filter(function (f) { return f.size <= maxBytes * 0.95; });
    var groups = batches(sendable, maxBytes * 0.9);
    var added = 0, refused = tooBig.length, problems = tooBig.map(function (f) {
      return f.name + " is " + megabytes(f.size) + "; the limit is " + megabytes(maxBytes) + ".";
    });
    button.disabled = true;
    form.classList.add("busy");
    var next = function (i) {
      if (i >= groups.length) return Promise.resolve();
      status.textContent = "Uploading " + (i * 100 / groups.length).toFixed(0) + "% — " + added + " added so far…";
      var body = new FormData();
      body.append("csrfmiddlewaretoken", token);
      groups[i].forEach(function (f) { body.append("files", f, f.name); });
      return fetch(form.action, {method: "POST", body: body, credentials: "same-origin",
                                 headers: {"Accept": "application/json", "X-CSRFToken": token}})
        .then(function (response) {
          return response.json().catch(function () {
            return {error: {message: "The server answered " + response.status + " " + response.statusText + "."}};
          });
        })
        .then(function (data) {
          if (data.error) { problems.push(data.error.message); refused += groups[i].length; }
          else { added += data.added; refused += data.rejected.length; }
          return next(i + 1);
        });
    };
    next(0).then(function () {
      status.textContent = "Added " + added + " photo" + (added === 1 ? "" : "s") +
        (refused ? "; " + refused + " not added." : ".");
      if (problems.length) {
        // Refused before sending: the server never saw these, so say why here, and let the person reload.
        var list = document.createElement("ul");
        list.className = "rejected";
        problems.forEach(function (p) { var li = document.createElement("li"); li.textContent = p; list.appendChild(li); });
        status.appendChild(list);
        var link = document.createElement("a");
        link.href = location.pathname + "#" + form.closest("section").id;
        link.textContent = "Show the new photos";
        link.addEventListener("click", function (e) { e.preventDefault(); location.reload(); });
        status.appendChild(link);
      } else {
        location.hash = form.closest("section").id;
        location.reload();
      }
    }).catch(function () {
      status.textContent = "The upload stopped: the connection to NanoWeb was lost. " + added +
        (added === 1 ? " photo was" : " photos were") + " added; reload the page and add the rest.";
    }).finally(function () {
      button.disabled = false;
      form.classList.remove("busy");
    });
  }

  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    var input = form.querySelector('input[type="file"]');
    input.addEventListener("change", function () {
      if (input.files.length) upload(form, Array.prototype.slice.call(input.files));
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (input.files.length) upload(form, Array.prototype.slice.call(input.files));
      else input.click();
    });
    window.NanoWeb.dropTarget(form, function (files) { upload(form, files); });
  });
})();
