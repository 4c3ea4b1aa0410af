// The device camera, shared by the photos page (take photos) and try-it (live answers): start it in a
// <video>, take a frame as a JPEG, stop it, and say in plain words why it cannot start.
window.NanoWeb = window.NanoWeb || {};
window.NanoWeb.camera = (function () {
  "use strict";

  // Browsers give pages the camera only at https:// addresses and on the machine itself (localhost);
  // anywhere else navigator.mediaDevices is missing, so say that rather than "no camera".
  function unavailableReason() {
    if (!window.isSecureContext) {
      return "The camera can only be used when NanoWeb is opened at a secure address (one that starts with " +
        "https://) or on this computer itself. This page was opened at " + location.origin + ", so the " +
        "browser keeps the camera off. Ask whoever runs NanoWeb for its https:// address.";
    }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return "This browser cannot use a camera. Try a recent Chrome, Edge, Firefox or Safari.";
    }
    return "";
  }

  function problemInWords(error) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
      return "The camera is blocked for this site. Allow the camera in the browser (the camera sign in the " +
        "address bar, or the site settings), then press the button again.";
    }
    if (name === "NotFoundError" || name === "DevicesNotFoundError" || name === "OverconstrainedError") {
      return "No camera was found on this device. Connect one, or drop photos instead.";
    }
    if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") {
      return "The camera is in use by another program or could not start. Close that program, then try again.";
    }
    return "The camera could not start. Drop photos instead, or try again.";
  }

  // Resolves once the video shows frames; rejects with the words to show.
  function start(video) {
    var reason = unavailableReason();
    if (reason) return Promise.reject(new Error(reason));
    return navigator.mediaDevices.getUserMedia({video: {facingMode: "environment", width: {ideal: 640}},
                                                audio: false})
      .catch(function (error) { throw new Error(problemInWords(error)); })
      .then(function (stream) {
        video.srcObject = stream;
        return video.play().then(function () {
          if (video.videoWidth) return stream;
          return new Promise(function (ready) { video.addEventListener("loadeddata", function () { ready(stream); },
                                                                        {once: true}); });
        });
      });
  }

  function stop(video) {
    var stream = video.srcObject;
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    video.srcObject = null;
  }

  // What the camera shows now, as a JPEG Blob (at most 1024 pixels on its longest side, as NanoWeb keeps).
  var canvas = document.createElement("canvas");
  function frame(video) {
    var scale = Math.min(1, 1024 / Math.max(video.videoWidth, video.videoHeight));
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise(function (done) { canvas.toBlob(done, "image/jpeg", 0.9); });
  }

  return {start: start, stop: stop, frame: frame, unavailableReason: unavailableReason};
})();
