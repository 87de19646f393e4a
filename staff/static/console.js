// The console's little script: each form is sent once, and live updates.
// The server sends an event when a request comes in, a resident or a
// colleague writes, a status or assignee changes or a reply reaches the
// resident (from any buurtloket instance); the inbox, and the thread and
// facts on a request page, then refresh in place, keeping the keyboard's
// place, and a screen reader hears of new requests and messages. Without
// JavaScript the pages work as they are; a reload shows the same.
(function () {
  "use strict";
  var body = document.body;

  // A form is sent once: a second click while the first is on its way
  // would send a reply twice.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.method !== "post") return;
    if (form.dataset.sent) {
      e.preventDefault();
      return;
    }
    form.dataset.sent = "yes";
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.setAttribute("aria-disabled", "true"); });
  });

  // A page come back from the browser's history may be sent again.
  window.addEventListener("pageshow", function (e) {
    if (!e.persisted) return;
    document.querySelectorAll("form[data-sent]").forEach(function (f) {
      delete f.dataset.sent;
      f.querySelectorAll("button[aria-disabled]").forEach(function (b) { b.removeAttribute("aria-disabled"); });
    });
  });

  // A request page drawn in answer to a form (a refused reply, the
  // contact details) has the form's address; a reload must not send the
  // form again, and a live refresh reads the request's own page.
  var here = location.href;
  if (body.dataset.page === "request" && body.dataset.request) {
    here = "/staff/requests/" + body.dataset.request;
    if (location.pathname !== here) history.replaceState(null, "", here);
  }

  if (!window.EventSource || !window.fetch || !body.dataset.live) {
    return;
  }
  var live = document.getElementById("live");
  var busy = false, wanted = {}, saying = "";

  // refresh reads this page again and puts its fresh parts (selectors) in
  // place; asked again while it reads, it reads once more after.
  function refresh(selectors, said) {
    selectors.forEach(function (sel) { wanted[sel] = true; });
    if (said) saying = said;
    if (busy) return;
    var now = Object.keys(wanted), say = saying;
    wanted = {};
    saying = "";
    busy = true;
    fetch(here, { credentials: "same-origin", headers: { "Accept": "text/html", "X-Buurtloket-Refresh": "1" } })
      .then(function (r) {
        // Sent to the login page: the session ended (idle, logged out
        // elsewhere). Show it, rather than requests to whoever passes.
        if (r.redirected) {
          location.reload();
          return Promise.reject("logged out");
        }
        return r.ok ? r.text() : Promise.reject(r.status);
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        now.forEach(function (sel) {
          var fresh = doc.querySelector(sel), old = document.querySelector(sel);
          if (!fresh || !old) return;
          // What was opened stays open.
          old.querySelectorAll("details[open][id]").forEach(function (d) {
            var f = fresh.querySelector("#" + CSS.escape(d.id));
            if (f) f.open = true;
          });
          // Unchanged parts stay: nothing moves under a hand that clicks.
          if (fresh.outerHTML === old.outerHTML) return;
          var focused = old.contains(document.activeElement) ? keyOf(document.activeElement) : null;
          old.replaceWith(fresh);
          // The keyboard stays where it was, on the same link or button
          // of the fresh part, rather than falling back to the page's top.
          var again = focused && fresh.querySelector(focused);
          if (again) again.focus({ preventScroll: true });
        });
        if (say) live.textContent = say;
      })
      .catch(function () {})
      .finally(function () {
        busy = false;
        if (Object.keys(wanted).length) refresh([], "");
      });
  }

  // keyOf is a selector that finds el's counterpart in a fresh copy of the
  // page: its ID, a link's address, or a disclosure's summary.
  function keyOf(el) {
    if (el.id) return "#" + CSS.escape(el.id);
    if (el.tagName === "A" && el.getAttribute("href")) return 'a[href="' + CSS.escape(el.getAttribute("href")) + '"]';
    if (el.tagName === "SUMMARY" && el.parentElement.id) return "#" + CSS.escape(el.parentElement.id) + " > summary";
    return null;
  }

  // What this page refreshes; a request page keeps its forms as they are.
  var parts = body.dataset.page === "inbox" ? [".inbox-layout"] : ["#thread-items", "#facts"];

  var backoff = 5000;
  function listen() {
    var events = new EventSource("/staff/events");
    // Whatever changed between the page's rendering and its stream's
    // opening (after a form was sent, or a lost connection) is read once.
    events.onopen = function () {
      backoff = 5000;
      refresh(parts, "");
      body.dataset.listening = "yes";
    };
    // A stream refused for good (the session ended; or a proxy's error
    // page during a deploy) is not tried again by the browser. The page is
    // read once (refresh shows the login if the session ended; it never
    // counts as someone at work), and the stream opened again later and
    // later: never a reload that would lose what is being typed.
    events.onerror = function () {
      if (events.readyState !== EventSource.CLOSED) return; // the browser tries again itself
      body.dataset.listening = "no";
      refresh(parts, "");
      setTimeout(listen, backoff);
      backoff = Math.min(backoff * 2, 120000);
    };
    events.addEventListener("change", changed);
  }
  listen();

  function changed(e) {
    var c = JSON.parse(e.data);
    var said = c.kind === "message" ? body.dataset.liveMessage : c.kind === "request" ? body.dataset.liveRequest : "";
    if (body.dataset.page === "inbox") {
      // A reply's way to the resident does not change the inbox.
      if (c.kind !== "delivery") refresh(parts, said);
    } else if (body.dataset.page === "request" && (c.kind === "gap" || String(c.id) === body.dataset.request)) {
      // The thread with each reply's delivery, and the facts with the
      // status.
      if (c.kind !== "request") refresh(parts, said);
    }
  }
})();
