// Keeps a matching round's progress up to date while it is queued or running.
// Without JavaScript the page offers a "Check again" link instead.
(function () {
  "use strict";
  var box = document.querySelector("[data-round-poll]");
  if (!box) { return; }
  var url = box.getAttribute("data-round-poll");
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-round-message]");
  var state = box.querySelector("[data-round-status]");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (round) {
        if (bar) { bar.value = round.progress; bar.textContent = round.progress + "%"; }
        if (text && text.textContent !== round.message) { text.textContent = round.message; }
        if (state) { state.textContent = round.status; }
        if (round.status === "done" || round.status === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1500);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
}());
