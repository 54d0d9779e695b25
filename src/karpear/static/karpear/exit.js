/* Quick exit (issue #22, item 2). Without JavaScript the link itself leaves for the neutral
   site; with it, the page blanks at once and the visit is replaced in the history, so the Back
   button does not bring the portal back. Esc pressed twice does the same. No data is kept. */
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) { return; }
  function leave(event) {
    if (event) { event.preventDefault(); }
    document.body.hidden = true;
    document.title = "";
    try { history.replaceState(null, "", "/"); } catch (e) { /* some browsers refuse */ }
    window.location.replace(link.href);
  }
  link.addEventListener("click", leave);
  var last = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var now = Date.now();
    if (now - last < 1000) { leave(event); }
    last = now;
  });
})();
