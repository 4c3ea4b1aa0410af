// Try it with the camera: live answers a few times a second. Never more than one question is on its way:
// the next frame is taken only once the answer to the last one came back, and no sooner than EVERY_MS.
(function () {
  "use strict";
  var box = document.querySelector("[data-try-camera]");
  if (!box || !window.NanoWeb.camera) return;
  var camera = window.NanoWeb.camera;
  var EVERY_MS = 300;
  var form = document.querySelector("form[data-try]");
  var video = box.querySelector("[data-camera-video]");
  var view = box.querySelector("[data-camera-view]");
  var startButton = box.querySelector("[data-camera-start]");
  var problem = box.querySelector("[data-camera-problem]");
  var live = box.querySelector("[data-camera-live]");
  var running = false, answered = 0;
  box.hidden = false;

  function say(text) { problem.textContent = text; problem.hidden = !text; }

  function ask() {
    if (!running) return;
    var asked = Date.now();
    camera.frame(video).then(function (jpeg) {
      if (!running || !jpeg) return null;
      var body = new FormData();
      body.append("csrfmiddlewaretoken", form.querySelector('[name="csrfmiddlewaretoken"]').value);
      body.append("version", form.querySelector('[name="version"]').value);
      body.append("image", jpeg, "camera.jpg");
      return fetch(form.action || location.href, {method: "POST", body: body, credentials: "same-origin",
                                                  headers: {"Accept": "application/json"}})
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (!running) return;
          answered += 1;
          window.NanoWeb.showAnswer(data);
          live.textContent = "Live: " + answered + (answered === 1 ? " answer" : " answers") +
            " so far, a few each second.";
        });
    }).catch(function () {
      if (running) live.textContent = "Cannot reach NanoWeb right now; still trying…";
    }).then(function () {
      if (running) setTimeout(ask, Math.max(0, EVERY_MS - (Date.now() - asked)));
    });
  }

  function stop() {
    running = false;
    camera.stop(video);
    view.hidden = true;
    startButton.hidden = false;
  }

  startButton.addEventListener("click", function () {
    say("");
    startButton.disabled = true;
    camera.start(video).then(function () {
      running = true;
      answered = 0;
      view.hidden = false;
      startButton.hidden = true;
      ask();
    }).catch(function (error) {
      say(error.message);
    }).then(function () { startButton.disabled = false; });
  });
  box.querySelector("[data-camera-stop]").addEventListener("click", stop);
  window.addEventListener("pagehide", stop);
})();
