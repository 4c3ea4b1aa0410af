// Live progress for web searches and training: each [data-poll] element asks its status URL every second
// or two and shows the words and the bar the server sends, until the work ends.
(function () {
  "use strict";
  var pending = 0;

  // Reloading under someone's hands would lose what they are doing: only reload an idle page.
  function idle() {
    var active = document.activeElement;
    var typing = active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName) && active.type !== "checkbox";
    var selecting = document.querySelector('input[form="remove-form"]:checked');
    var dialogOpen = document.querySelector("dialog[open]");
    return !typing && !selecting && !dialogOpen;
  }

  function finished(box, data) {
    var bar = box.querySelector("progress");
    if (bar) bar.value = data.status === "succeeded" ? 1 : bar.value;
    box.classList.remove("active");
    box.classList.add("job-" + data.status);
    var cancel = box.querySelector("[data-cancel]");
    if (cancel) cancel.hidden = true;
    var note = box.querySelector("[data-note]");
    var message = data.error || data.note;
    if (note && message) { note.textContent = message; note.hidden = false; }
    pending -= 1;
    var done = box.querySelector("[data-done]");
    if (box.hasAttribute("data-reload-when-done") || (pending === 0 && idle())) {
      location.reload();
    } else if (done) {
      done.hidden = false;
    }
  }

  function watch(box) {
    var url = box.dataset.poll, delay = 1000, failures = 0;
    // The line under the classifier's title follows a training run too: on its own (it is then the box)
    // or beside the run's box on the results page.
    var stateLine = box.hasAttribute("data-state") ? null : document.querySelector("[data-state]");
    var text = box.hasAttribute("data-state") ? box : box.querySelector("[data-text]");
    var bar = box.querySelector("progress");
    pending += 1;
    function tick() {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}, cache: "no-store"})
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          if (box.hasAttribute("data-state")) { if (data.state) box.textContent = data.state; }
          else if (text) text.textContent = data.text;
          if (stateLine && data.state) stateLine.textContent = data.state;
          if (bar) bar.value = data.progress || 0;
          var paused = box.querySelector("[data-paused]");
          if (paused && "paused" in data) {
            paused.hidden = !data.paused;
            var why = paused.querySelector("[data-paused-details]");
            if (why && data.paused_details) why.textContent = data.paused_details;
          }
          if (data.active) { delay = Math.min(delay + 250, 2000); setTimeout(tick, delay); }
          else finished(box, data);
        })
        .catch(function () {
          failures += 1;
          if (text && failures >= 3) text.textContent = "Cannot reach NanoWeb to check progress; still trying…";
          setTimeout(tick, Math.min(1000 * Math.pow(2, failures), 15000));
        });
    }
    setTimeout(tick, 500);
  }

  document.querySelectorAll("[data-poll]").forEach(watch);
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-reload]")) { event.preventDefault(); location.reload(); }
  });
})();
