// Try many photos at once: dropped or chosen files, a folder's files, zips. They go to the batch address in
// requests under the server's size limit (a zip on its own), whose answers come back line by line (JSON
// lines) so the bar moves as photos are answered; at the end the answers are offered as a CSV file.
(function () {
  "use strict";
  var form = document.querySelector("form[data-try-batch]");
  if (!form) return;
  var card = form.closest("[data-try-batch-card]");
  var progressBox = card.querySelector("[data-batch-progress]");
  var bar = progressBox.querySelector("progress");
  var status = card.querySelector("[data-batch-status]");
  var summary = card.querySelector("[data-batch-summary]");
  var csvLink = card.querySelector("[data-batch-csv]");
  var maxBytes = parseInt(form.dataset.maxBytes, 10) || 25 * 1048576;
  var MAX_FILES_PER_REQUEST = 16;
  var busy = false;
  card.hidden = false;

  function isZip(file) { return /\.zip$/i.test(file.name) || file.type === "application/zip"; }
  function photos(n) { return n === 1 ? "1 photo" : n + " photos"; }
  function files(n) { return n === 1 ? "1 file" : n + " files"; }

  // Zips alone; other files together, under the size limit.
  function requests(items) {
    var out = [], current = [], size = 0;
    items.forEach(function (item) {
      if (isZip(item.file)) { out.push([item]); return; }
      if (current.length && (size + item.file.size > maxBytes * 0.9 || current.length >= MAX_FILES_PER_REQUEST)) {
        out.push(current); current = []; size = 0;
      }
      current.push(item); size += item.file.size;
    });
    if (current.length) out.push(current);
    return out;
  }

  // Spreadsheets run a cell that starts with = + - @ as a formula: such names are written as text.
  function cell(value) {
    var text = String(value === null || value === undefined ? "" : value);
    if (/^[=+\-@\t\r]/.test(text)) text = "'" + text;
    return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function csv(answers) {
    var rows = [["name", "label", "confidence", "none_of_these"]];
    answers.forEach(function (a) {
      rows.push([a.name, a.label, Number(a.confidence).toFixed(3), a.unknown ? "yes" : "no"]);
    });
    return rows.map(function (row) { return row.map(cell).join(","); }).join("\r\n") + "\r\n";
  }

  // Reads one request's answer line by line, calling onLine with each parsed line.
  function readLines(response, onLine) {
    var reader = response.body.getReader(), decoder = new TextDecoder(), rest = "";
    function pump() {
      return reader.read().then(function (step) {
        rest += decoder.decode(step.value || new Uint8Array(), {stream: !step.done});
        var lines = rest.split("\n");
        rest = lines.pop();
        lines.forEach(function (line) { if (line.trim()) onLine(JSON.parse(line)); });
        if (step.done) { if (rest.trim()) onLine(JSON.parse(rest)); return null; }
        return pump();
      });
    }
    return pump();
  }

  function run(items) {
    if (busy || !items.length) return;
    busy = true;
    form.classList.add("busy");
    summary.hidden = true;
    csvLink.hidden = true;
    progressBox.hidden = false;
    var token = form.querySelector('[name="csrfmiddlewaretoken"]').value;
    var version = form.querySelector('[name="version"]').value;
    var groups = requests(items);
    // What is expected: one a plain file, and for a zip what the server counts once it opens it.
    var expected = groups.map(function (group) { return group.length; });
    var answers = [], unread = [], stopped = "";

    function show() {
      var total = expected.reduce(function (a, b) { return a + b; }, 0);
      var done = answers.length + unread.length;
      bar.value = total ? Math.min(1, done / total) : 0;
      status.textContent = "Answered " + done + " of " + total + " so far…";
    }

    function send(i) {
      if (i >= groups.length || stopped) return Promise.resolve();
      var body = new FormData();
      body.append("csrfmiddlewaretoken", token);
      body.append("version", version);
      groups[i].forEach(function (item) {
        body.append("files", item.file, item.file.name);
        body.append("names", item.name);
      });
      show();
      return fetch(form.action, {method: "POST", body: body, credentials: "same-origin",
                                 headers: {"Accept": "application/x-ndjson", "X-CSRFToken": token}})
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (type.indexOf("application/json") === 0) {
            return response.json().then(function (data) { stopped = data.error.message; });
          }
          if (!response.ok || !response.body) {
            stopped = "The server answered " + response.status + " " + response.statusText + ".";
            return null;
          }
          return readLines(response, function (line) {
            if (line.total !== undefined) expected[i] = line.total;
            if (line.answers) answers = answers.concat(line.answers);
            if (line.unread) unread = unread.concat(line.unread);
            if (line.error) stopped = line.error.message;
            show();
          });
        })
        .then(function () { return send(i + 1); });
    }

    send(0).catch(function () {
      stopped = "The connection to NanoWeb was lost.";
    }).then(function () {
      finish(answers, unread, stopped);
    }).finally(function () {
      busy = false;
      form.classList.remove("busy");
    });
  }

  function finish(answers, unread, stopped) {
    progressBox.hidden = true;
    summary.textContent = "";
    var line = document.createElement("p");
    line.textContent = "Answered " + photos(answers.length) +
      (unread.length ? "; " + files(unread.length) + " could not be read:" : ".");
    summary.appendChild(line);
    if (unread.length) {
      var list = document.createElement("ul");
      list.className = "rejected";
      unread.forEach(function (u) {
        var li = document.createElement("li");
        var name = document.createElement("strong"); name.textContent = u.name;
        li.append(name, " — " + u.reason);
        list.appendChild(li);
      });
      summary.appendChild(list);
    }
    if (stopped) {
      var why = document.createElement("p");
      why.className = "bad";
      why.textContent = "It stopped before the end: " + stopped + " The answers so far are in the file.";
      summary.appendChild(why);
    }
    summary.hidden = false;
    if (answers.length) {
      if (csvLink.href.indexOf("blob:") === 0) URL.revokeObjectURL(csvLink.href);
      csvLink.href = URL.createObjectURL(new Blob([csv(answers)], {type: "text/csv;charset=utf-8"}));
      csvLink.download = form.dataset.csvName;
      csvLink.hidden = false;
    }
  }

  // Files with the names the answers call them: a folder's files by their path in it.
  function chosen(list) {
    return Array.prototype.map.call(list, function (file) {
      return {file: file, name: file.webkitRelativePath || file.name};
    });
  }

  form.querySelectorAll('input[type="file"]').forEach(function (input) {
    input.addEventListener("change", function () {
      var items = chosen(input.files);
      input.value = "";  // choosing the same files again is then a change
      run(items);
    });
  });
  window.NanoWeb.dropTarget(form, run, {withPaths: true});
})();
