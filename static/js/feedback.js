// "This is wrong → it is X": send the correction without leaving the page and say what happened. On the
// try-it page the form follows each new answer (tryit.js announces them with a "nanoweb:answer" event).
(function () {
  "use strict";

  function say(form, text, reviewUrl) {
    var said = form.querySelector("[data-feedback-said]");
    said.textContent = text + " ";
    if (reviewUrl) {
      var link = document.createElement("a");
      link.href = reviewUrl;
      link.textContent = "Review it";
      said.appendChild(link);
    }
    said.hidden = false;
  }

  document.querySelectorAll("form[data-feedback]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !event.submitter) return;  // a plain post, answered by a redirect
      event.preventDefault();
      var body = new FormData(form);
      body.append(event.submitter.name, event.submitter.value);
      say(form, "Saving…");
      window.NanoWeb.postForJson(form.action, body)
        .then(function (data) {
          if (data.error) say(form, data.error.message); else say(form, data.message, data.review_url);
        });
    });
  });

  document.addEventListener("nanoweb:answer", function (event) {
    var answer = event.detail || {};
    var form = document.querySelector("form[data-feedback][data-live]");
    if (!form) return;
    // No log id: the server keeps no log, so there is nothing to correct.
    form.hidden = !answer.id;
    if (!answer.id) return;
    form.action = form.dataset.actionTemplate.replace("00000000-0000-0000-0000-000000000000", answer.id);
    form.querySelectorAll("[data-class]").forEach(function (button) {
      button.hidden = !answer.unknown && button.dataset["class"] === answer.label;
    });
    form.querySelector("[data-none]").hidden = !!answer.unknown;
    form.querySelector("[data-feedback-said]").hidden = true;
  });
})();
