// Live updates of the console: the server sends an event when a request
// comes in or a resident writes (from any buurtloket instance); the inbox
// and the thread on a request page then refresh in place, and a screen
// reader hears it. Without JavaScript the pages work as they are; a reload
// shows the same.
(function () {
  "use strict";
  var body = document.body;
  if (!window.EventSource || !window.fetch || !body.dataset.live) {
    return;
  }
  var live = document.getElementById("live");
  var busy = false, again = false;

  // refresh reads this page again and puts its fresh part in place.
  function refresh(selector, said) {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(selector);
        var old = document.querySelector(selector);
        if (fresh && old) {
          old.replaceWith(fresh);
          live.textContent = said;
        }
      })
      .catch(function () {})
      .finally(function () {
        busy = false;
        if (again) { again = false; refresh(selector, said); }
      });
  }

  var events = new EventSource("/staff/events");
  events.onopen = function () { body.dataset.listening = "yes"; };
  events.addEventListener("change", function (e) {
    var c = JSON.parse(e.data);
    if (body.dataset.page === "inbox") {
      refresh(".inbox-layout", c.kind === "message" ? body.dataset.liveMessage : body.dataset.liveRequest);
    } else if (body.dataset.page === "request" && (c.kind === "gap" || (c.kind === "message" && String(c.id) === body.dataset.request))) {
      refresh("#thread-items", body.dataset.liveMessage);
    }
  });
})();
