// Shared by the pages that take dropped files: mark a form as a drop target and hand the files on.
// With {withPaths: true} a dropped folder is walked too, and onFiles gets [{file, name}], each name the
// file's path inside what was dropped ("shop/hats/1.jpg").
window.NanoWeb = window.NanoWeb || {};
window.NanoWeb.dropTarget = function (form, onFiles, options) {
  "use strict";
  var withPaths = options && options.withPaths;
  form.classList.add("js");
  ["dragenter", "dragover"].forEach(function (name) {
    form.addEventListener(name, function (event) { event.preventDefault(); form.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    form.addEventListener(name, function () { form.classList.remove("over"); });
  });
  form.addEventListener("drop", function (event) {
    event.preventDefault();
    var transfer = event.dataTransfer;
    var files = Array.prototype.slice.call((transfer && transfer.files) || []);
    if (!withPaths) {
      if (files.length) onFiles(files);
      return;
    }
    var entries = Array.prototype.map.call((transfer && transfer.items) || [], function (item) {
      return item.webkitGetAsEntry ? item.webkitGetAsEntry() : null;
    }).filter(Boolean);
    var found = entries.length ? Promise.all(entries.map(function (entry) { return walk(entry, ""); })).then(flat)
      : Promise.resolve(files.map(function (file) { return {file: file, name: file.name}; }));
    found.then(function (items) { if (items.length) onFiles(items); });
  });

  function flat(lists) { return [].concat.apply([], lists); }

  // The browser hands over a dropped folder as entries, read a few at a time.
  function walk(entry, path) {
    if (entry.isFile) {
      return new Promise(function (done) {
        entry.file(function (file) { done([{file: file, name: path + file.name}]); }, function () { done([]); });
      });
    }
    if (!entry.isDirectory) return Promise.resolve([]);
    var reader = entry.createReader(), children = [];
    return new Promise(function (done) {
      (function more() {
        reader.readEntries(function (batch) {
          if (!batch.length) { done(Promise.all(children).then(flat)); return; }
          batch.forEach(function (child) { children.push(walk(child, path + entry.name + "/")); });
          more();
        }, function () { done(Promise.all(children).then(flat)); });
      })();
    });
  }
};
