// A download NanoWeb prepares first (the model zip: several MB, seconds the first time) says so while it
// is prepared and received, instead of a link that seems to do nothing. Without this script the link is an
// ordinary download link.
(function () {
  "use strict";
  function filenameOf(response, fallback) {
    var match = /filename="?([^";]+)"?/.exec(response.headers.get("Content-Disposition") || "");
    return match ? match[1] : fallback;
  }

  document.querySelectorAll("a[data-download]").forEach(function (link) {
    var label = link.textContent;
    var status = document.getElementById(link.getAttribute("data-download-status"));

    function say(text) { if (status) { status.textContent = text; status.hidden = !text; } }

    function busy(text) {
      link.textContent = text;
      link.setAttribute("aria-busy", "true");
      link.setAttribute("aria-disabled", "true");
      link.classList.add("busy");
    }

    function done() {
      link.textContent = label;
      link.removeAttribute("aria-busy");
      link.removeAttribute("aria-disabled");
      link.classList.remove("busy");
    }

    link.addEventListener("click", function (event) {
      event.preventDefault();
      if (link.getAttribute("aria-busy") === "true") return;
      busy("Preparing the download…");
      say("NanoWeb is packing the model; the first time takes a few seconds.");
      fetch(link.href, {credentials: "same-origin"})
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (!response.ok || type.indexOf("text/html") === 0) {
            // Not the file (for instance "train it first"): open the link itself, whose page says why.
            done();
            say("");
            location.href = link.href;
            return null;
          }
          var total = Number(response.headers.get("Content-Length")) || 0;
          if (!response.body || !total) return response.blob().then(function (blob) { return [response, blob]; });
          var reader = response.body.getReader();
          var chunks = [];
          var received = 0;
          function pump() {
            return reader.read().then(function (step) {
              if (step.done) return [response, new Blob(chunks, {type: type})];
              chunks.push(step.value);
              received += step.value.length;
              busy("Downloading… " + Math.round(received * 100 / total) + "%");
              return pump();
            });
          }
          return pump();
        })
        .then(function (got) {
          if (!got) return;
          var url = URL.createObjectURL(got[1]);
          var save = document.createElement("a");
          save.href = url;
          save.download = filenameOf(got[0], link.getAttribute("download") || "download");
          save.hidden = true;
          document.body.appendChild(save);
          save.click();
          save.remove();
          setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
          done();
          say("Downloaded. Look in your downloads folder.");
        })
        .catch(function () {
          done();
          say("Cannot reach NanoWeb to download the model. Check the connection and try again.");
        });
    });
  });
})();
