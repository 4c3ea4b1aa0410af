// Take photos of a class with the camera: press and hold to take several a second (like Teachable
// Machine). Each photo is a JPEG sent through the class's ordinary upload, so every check applies (a picture
// too small, the same picture twice); a counter says how many were added. "Done" reloads to show them.
(function () {
  "use strict";
  if (!window.NanoWeb.camera) return;
  var camera = window.NanoWeb.camera;
  var EVERY_MS = 200;  // five photos a second while held
  var PER_REQUEST = 10;

  document.querySelectorAll("[data-camera-photos]").forEach(function (box) {
    var video = box.querySelector("[data-camera-video]");
    var view = box.querySelector("[data-camera-view]");
    var startButton = box.querySelector("[data-camera-start]");
    var shutter = box.querySelector("[data-camera-shutter]");
    var counter = box.querySelector("[data-camera-count]");
    var problem = box.querySelector("[data-camera-problem]");
    var token = document.querySelector('[name="csrfmiddlewaretoken"]').value;
    var waiting = [], sending = false, taken = 0, added = 0, refused = 0, reasons = [], holding = null;
    box.hidden = false;

    function say(text) { problem.textContent = text; problem.hidden = !text; }

    function count() {
      var text = (added === 1 ? "1 photo" : added + " photos") + " added";
      var inFlight = taken - added - refused;
      if (inFlight > 0) text += ", " + inFlight + " on the way";
      if (refused) text += "; " + refused + " not added (" + reasons[reasons.length - 1] + ")";
      counter.textContent = text + ".";
      counter.hidden = false;
    }

    // One request at a time, each with the photos taken meanwhile.
    function send() {
      if (sending || !waiting.length) return;
      sending = true;
      var batch = waiting.splice(0, PER_REQUEST);
      var body = new FormData();
      body.append("csrfmiddlewaretoken", token);
      batch.forEach(function (photo) { body.append("files", photo.jpeg, photo.name); });
      fetch(box.dataset.uploadUrl, {method: "POST", body: body, credentials: "same-origin",
                                     headers: {"Accept": "application/json", "X-CSRFToken": token}})
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (data.error) { refused += batch.length; reasons.push(data.error.message); return; }
          added += data.added;
          refused += data.rejected.length;
          data.rejected.forEach(function (r) { reasons.push(r.reason); });
        })
        .catch(function () {
          refused += batch.length;
          reasons.push("NanoWeb could not be reached");
        })
        .then(function () { sending = false; count(); send(); });
    }

    function take() {
      camera.frame(video).then(function (jpeg) {
        if (!jpeg) return;
        taken += 1;
        waiting.push({jpeg: jpeg, name: "camera-" + new Date().toISOString().replace(/[:.]/g, "-") + "-" + taken + ".jpg"});
        count();
        send();
      });
    }

    function hold(event) {
      if (event) event.preventDefault();
      if (holding !== null) return;
      take();
      holding = setInterval(take, EVERY_MS);
      shutter.classList.add("busy");
    }
    function release() {
      if (holding === null) return;
      clearInterval(holding);
      holding = null;
      shutter.classList.remove("busy");
    }
    shutter.addEventListener("pointerdown", hold);
    ["pointerup", "pointerleave", "pointercancel"].forEach(function (name) { shutter.addEventListener(name, release); });
    // Holding the space bar or Enter on the button works too.
    shutter.addEventListener("keydown", function (event) { if (event.key === " " || event.key === "Enter") hold(event); });
    shutter.addEventListener("keyup", function (event) { if (event.key === " " || event.key === "Enter") release(); });
    shutter.addEventListener("contextmenu", function (event) { event.preventDefault(); });  // a long touch

    startButton.addEventListener("click", function () {
      say("");
      startButton.disabled = true;
      camera.start(video).then(function () {
        view.hidden = false;
        startButton.hidden = true;
        shutter.focus();
      }).catch(function (error) { say(error.message); })
        .then(function () { startButton.disabled = false; });
    });

    box.querySelector("[data-camera-stop]").addEventListener("click", function () {
      release();
      camera.stop(video);
      view.hidden = true;
      startButton.hidden = false;
      // Show the new photos once the last ones are in.
      var reloadWhenSent = function () {
        if (sending || waiting.length) { setTimeout(reloadWhenSent, 200); return; }
        if (added) { location.hash = box.closest("section").id; location.reload(); }
      };
      reloadWhenSent();
    });
  });
})();
