// Shared by the pages that take dropped files: mark a form as a drop target and hand the files on.
window.NanoWeb = window.NanoWeb || {};
window.NanoWeb.dropTarget = function (form, onFiles) {
  "use strict";
  form.classList.add("js");
  ["dragenter", "dragover"].forEach(function (name) {
    form.addEventListener(name, function (event) { event.preventDefault(); form.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    form.addEventListener(name, function () { form.classList.remove("over"); });
  });
  form.addEventListener("drop", function (event) {
    event.preventDefault();
    var files = Array.prototype.slice.call((event.dataTransfer && event.dataTransfer.files) || []);
    if (files.length) onFiles(files);
  });
};
