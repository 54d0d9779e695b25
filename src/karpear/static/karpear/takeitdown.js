/* The take-it-down page (issue #22, items 5 and 8). The pictures are read and hashed here, in
   the browser (pdq.js); the file box is outside the form and has no name, so the browser never
   sends the bytes. Only the hashes go into the form. Nothing is stored on the device. */
(function () {
  "use strict";
  var app = document.getElementById("tid-app"), nojs = document.getElementById("tid-nojs");
  if (!app || !window.karpearHashing || !window.createImageBitmap || !window.DecompressionStream) {
    return;  // the explanation of the alternatives stays
  }
  var files = document.getElementById("tid-files"), progress = document.getElementById("tid-progress");
  var result = document.getElementById("tid-result"), list = document.getElementById("tid-list");
  var form = document.getElementById("tid-form"), send = document.getElementById("tid-send");
  var field = form.elements.hashes, count = form.elements.pictures;
  app.hidden = false;
  nojs.hidden = true;

  function show(lines) {
    list.textContent = "";
    lines.forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    });
    result.hidden = lines.length === 0;
    send.disabled = lines.length === 0;
  }

  if (field.value) { show(field.value.split("\n")); } else { send.disabled = true; }

  files.addEventListener("change", function () {
    var chosen = Array.prototype.slice.call(files.files, 0, 10);
    show([]);
    field.value = "";
    if (!chosen.length) { return; }
    progress.textContent = app.dataset.working;
    var lines = [];
    chosen.reduce(function (done, file) {
      return done.then(function () {
        return window.karpearHashing.hashFile(file).then(function (hashes) {
          hashes.pdq.forEach(function (h) { lines.push("pdq:" + h.hash); });
          lines.push("md5:" + hashes.md5);
        });
      });
    }, Promise.resolve()).then(function () {
      field.value = lines.join("\n");
      count.value = String(chosen.length);
      progress.textContent = app.dataset.done;
      show(lines);
      files.value = "";  // the page keeps no reference to the pictures
    }, function () {
      progress.textContent = app.dataset.failed;
    });
  });
})();
