// buurtloket page. It renders the views the server sends and sends the
// resident's inputs back; the dialog itself runs on the server. It keeps
// nothing in browser storage, puts every text in with textContent (never
// as markup), and on a kiosk wipes everything after a while without touch.
"use strict";
(function () {
  const mode = document.documentElement.dataset.mode; // "kiosk" or "phone"
  const screen = document.getElementById("screen");
  const strip = document.getElementById("strip");
  const globals = document.getElementById("globals");
  const overlay = document.getElementById("overlay");
  const overlayText = document.getElementById("overlay-text");
  const overlayCount = document.getElementById("overlay-count");
  const overlayButton = document.getElementById("overlay-button");

  let ws = null;
  let ui = null;          // the page's words, from the last view
  let lastFrame = null;
  let retry = 500;        // reconnect backoff, ms
  let idleTimer = null, countdown = null;
  // A stop (leave quickly, the idle wipe) made while the connection was
  // down: the server still holds the conversation and would show it again
  // on reconnect. It gets the stop first, and its views are not shown
  // until it has wiped.
  let stopPending = false;
  let toldStill = 0; // when the server last heard the resident is still there

  // A QR code from a kiosk leads here with ?follow=CODE: the follow form
  // opens with the code filled in; the code leaves the address at once.
  let followCode = new URLSearchParams(location.search).get("follow");

  // The back gesture leads nowhere: the page keeps one history entry.
  history.replaceState(null, "", location.pathname);
  history.pushState(null, "", location.pathname);
  window.addEventListener("popstate", () => history.pushState(null, "", location.pathname));

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") e.textContent = v;
      else if (k === "class") e.className = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c) e.append(c);
    return e;
  }

  function icon(name) {
    if (!name || !/^[a-z0-9_]+$/.test(name)) return null;
    const s = el("span", { class: "icon " + name, "aria-hidden": "true" });
    s.style.setProperty("--icon", "url(/pictograms/" + name + ".svg)");
    return s;
  }

  function send(input) {
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type: "input", input }));
      toldStill = Date.now(); // an input keeps the server's copy as well
    }
  }

  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const path = mode === "kiosk" ? "/kiosk/ws" : "/ws";
    ws = new WebSocket(proto + "//" + location.host + path);
    ws.onopen = () => {
      retry = 500;
      hideOverlay("reconnecting");
      if (stopPending) send({ type: "stop" });
    };
    ws.onmessage = (ev) => {
      let frame;
      try { frame = JSON.parse(ev.data); } catch { return; }
      if (stopPending) {
        if (frame.type !== "view") return;
        if (!frame.wipe) { keepWords(frame); return; } // the conversation that was left
        stopPending = false;
      }
      if (frame.type === "view") render(frame);
      else if (frame.type === "follow") renderFollow(frame);
      else if (frame.type === "error") showError(frame.say);
    };
    ws.onclose = (ev) => {
      ws = null;
      // A kiosk revoked while open: the server's page says so.
      if (ev.code === 4001) { location.reload(); return; }
      if (ui) showOverlay("reconnecting", ui.reconnecting, "", "");
      // Spread out: after a restart every page in town reconnects at once.
      setTimeout(connect, retry * (0.5 + Math.random()));
      retry = Math.min(retry * 2, 5000);
      // A kiosk revoked while it was away is refused before the WebSocket
      // opens, which looks like a lost network: ask the page itself.
      if (mode === "kiosk" && retry === 5000) {
        fetch(location.pathname, { cache: "no-store" }).then((r) => { if (r.status === 403) location.reload(); }, () => {});
      }
    };
  }

  function showError(say) {
    if (!ui) return;
    let e = document.getElementById("page-error");
    if (!e) { e = el("p", { id: "page-error", class: "error", role: "alert" }); screen.prepend(e); }
    e.textContent = say || ui.error;
  }

  // Read aloud: the screen's texts one after another, as the server
  // speaks them (only the flow's own texts; never what was typed). A new
  // screen, a wipe or a second press stops it.
  const reader = el("audio", { id: "reader", preload: "none" });
  document.body.append(reader);
  let reading = [];
  function stopReading() {
    reading = [];
    reader.pause();
    reader.removeAttribute("src");
    const b = document.getElementById("read-aloud");
    if (b) b.setAttribute("aria-pressed", "false");
  }
  function readNext() {
    const url = reading.shift();
    if (!url) { stopReading(); return; }
    reader.src = url;
    reader.play().catch(() => stopReading());
  }
  reader.addEventListener("ended", readNext);
  reader.addEventListener("error", readNext); // one that fails: on to the next
  function readAloud(urls, button) {
    stopReading();
    reading = urls.filter((u) => typeof u === "string" && u.startsWith("/speech/"));
    if (button) button.setAttribute("aria-pressed", "true");
    readNext();
    resetIdle();
  }
  function readAloudButton(v) {
    if (!v.speech || !v.speech.length) return null;
    const b = el("button", { type: "button", id: "read-aloud", class: "read-aloud", "aria-pressed": "false",
      onclick: () => (b.getAttribute("aria-pressed") === "true" ? stopReading() : readAloud(v.speech, b)) }, icon("speaker"), ui.readAloud);
    return b;
  }
  // On a kiosk, touching and holding an option reads it aloud instead of
  // choosing it.
  function holdToHear(button, url) {
    if (mode !== "kiosk" || !url) return button;
    let timer = null;
    button.addEventListener("pointerdown", () => {
      timer = setTimeout(() => { timer = null; button.dataset.heard = "1"; readAloud([url]); }, 700);
    });
    const cancel = () => { if (timer) clearTimeout(timer); timer = null; };
    button.addEventListener("pointerup", cancel);
    button.addEventListener("pointerleave", cancel);
    button.addEventListener("contextmenu", (e) => e.preventDefault());
    button.addEventListener("click", (e) => {
      if (button.dataset.heard) { delete button.dataset.heard; e.stopImmediatePropagation(); e.preventDefault(); }
    }, true);
    return button;
  }

  // "I have a code": the resident opens their request with code and PIN.
  function showFollowForm(prefill) {
    stopReading();
    const code = el("input", { id: "f-code", name: "code", autocomplete: "off", autocapitalize: "characters", spellcheck: "false", dir: "ltr" });
    if (typeof prefill === "string" && /^[A-Za-z0-9 -]{4,16}$/.test(prefill)) code.value = prefill;
    const pin = el("input", { id: "f-pin", name: "pin", autocomplete: "off", inputmode: "numeric", dir: "ltr" });
    screen.replaceChildren(el("h1", { id: "prompt", text: ui.followStart }),
      el("form", { class: "answer", onsubmit: (e) => { e.preventDefault(); ws && ws.send(JSON.stringify({ type: "follow", ticket: code.value, pin: pin.value })); } },
        el("label", { for: "f-code", text: ui.followCode }), code,
        el("label", { for: "f-pin", text: ui.followPin }), pin,
        el("div", { class: "row" },
          el("button", { type: "submit", class: "primary" }, ui.followOpen),
          el("button", { type: "button", onclick: () => render(lastFrame) }, icon("back"), ui.back))));
    attachKeyboard(code, "nl");
    attachKeyboard(pin, "nl");
    screen.dataset.step = "follow/form";
    (code.value ? pin : code).focus();
    resetIdle();
  }

  // The thread comes a page at a time, newest last; "more" asks for the
  // page before the oldest message shown.
  let thread = [], threadOlder = false, threadTicket = "";

  // messageItem is one message of the thread.
  function messageItem(t, m) {
    return el("li", { class: m.fromStaff ? "staff" : "resident", "data-id": String(m.id) },
      el("span", { class: "who", text: (m.fromStaff ? t.staff : t.you) + " · " + m.when }),
      el("p", { class: "body", dir: "auto", text: m.body }));
  }

  // updateFollow puts a pushed thread (a staff reply, a new status) in
  // place on the follow-up screen: what the resident is typing, the older
  // messages they opened and the idle time stay as they are, and a screen
  // reader hears the new message. Away from that screen it is ignored.
  function updateFollow(f) {
    if (screen.dataset.step !== "follow/thread" || f.ticket !== threadTicket) return;
    const list = document.getElementById("follow-thread");
    if (!list) return;
    const t = f.ui;
    const first = f.messages.length ? thread.findIndex((m) => m.id === f.messages[0].id) : -1;
    if (first >= 0) {
      // The older messages opened stay; only the new ones are added (and
      // so heard).
      thread = thread.slice(0, first).concat(f.messages);
      const have = new Set(Array.from(list.children, (li) => li.dataset.id));
      for (const m of thread) {
        if (!have.has(String(m.id))) list.append(messageItem(t, m));
      }
    } else {
      // Too much came to join up with what is shown: show the newest page.
      thread = f.messages;
      threadOlder = !!f.older;
      list.replaceChildren(...thread.map((m) => messageItem(t, m)));
      const more = document.getElementById("follow-more");
      if (threadOlder && !more && thread.length) list.before(moreButton(t));
      if (!threadOlder && more) more.remove();
    }
    document.getElementById("follow-status").textContent = f.status;
    const none = document.getElementById("follow-none");
    if (none && thread.length) none.remove();
    const form = document.getElementById("follow-answer");
    if (form && !f.canReply) {
      hideKeyboard();
      const closed = el("p", { class: "notice", id: "follow-closed", role: "status", text: t.closed });
      form.replaceWith(closed);
    }
    told(f.messages);
  }

  // told tells the server which staff messages the page drew: those count
  // as delivered, and the staff's console says so.
  function told(messages) {
    const ids = messages.filter((m) => m.fromStaff).map((m) => m.id);
    if (ids.length && ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "seen", messages: ids }));
  }

  function moreButton(t) {
    return el("button", { type: "button", id: "follow-more", onclick: () => ws && ws.send(JSON.stringify({ type: "more", before: thread[0].id })) }, t.more);
  }

  function renderFollow(f) {
    if (f.update) { updateFollow(f); return; }
    const t = f.ui;
    thread = f.before ? f.messages.concat(thread) : f.messages;
    threadOlder = !!f.older;
    threadTicket = f.ticket;
    const parts = [el("h1", { id: "prompt", text: t.title }),
      el("p", {}, el("span", { text: t.status + ": " }), el("strong", { id: "follow-status", text: f.status })),
      el("p", { class: "code", dir: "ltr", text: f.ticket })];
    if (thread.length === 0) parts.push(el("p", { class: "notice", id: "follow-none", text: t.none }));
    if (threadOlder && thread.length > 0) {
      parts.push(moreButton(t));
    }
    parts.push(el("ol", { class: "thread", id: "follow-thread", "aria-live": "polite" }, ...thread.map((m) => messageItem(t, m))));
    if (f.canReply) {
      const answer = el("textarea", { id: "f-reply", name: "reply", "aria-label": t.reply, maxlength: "4000", autocomplete: "off" });
      attachKeyboard(answer, lastFrame ? lastFrame.view.lang : "nl");
      parts.push(el("form", { class: "answer", id: "follow-answer", onsubmit: (e) => { e.preventDefault(); ws && ws.send(JSON.stringify({ type: "reply", text: answer.value })); } },
        el("label", { for: "f-reply", text: t.reply }), answer,
        el("button", { type: "submit", class: "primary" }, t.send)));
    } else {
      parts.push(el("p", { class: "notice", id: "follow-closed", text: t.closed }));
    }
    // Back: the request is closed here, and nothing more is pushed.
    parts.push(el("button", { type: "button", onclick: () => { if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "leave" })); render(lastFrame); } }, icon("back"), t.back));
    screen.replaceChildren(...parts);
    screen.dataset.step = "follow/thread";
    told(f.messages);
    resetIdle();
  }

  function wipe() {
    stopReading();
    hideKeyboard();
    thread = [];
    threadOlder = false;
    screen.replaceChildren();
    delete screen.dataset.step;
    globals.replaceChildren();
    lastFrame = null;
  }

  let strips = [], langs = [];

  // The page's words, the strip and the languages come only when they
  // change: keep them, and give every frame the ones in force.
  function keepWords(frame) {
    if (frame.ui) { ui = frame.ui; strips = frame.strip || []; langs = frame.langs || []; }
  }

  function remember(frame) {
    keepWords(frame);
    frame.strip = strips;
    frame.langs = langs;
    lastFrame = frame;
  }

  function render(frame) {
    if (frame.wipe) wipe();
    remember(frame);
    if (followCode) { // arrived by a QR code: straight to the follow form
      renderStrip(frame);
      const code = followCode;
      followCode = null;
      showFollowForm(code);
      return;
    }
    const v = frame.view;
    stopReading();
    document.documentElement.lang = v.lang;
    document.documentElement.dir = v.rtl ? "rtl" : "ltr";
    document.title = ui.title;
    renderStrip(frame);
    const parts = [];
    const hear = readAloudButton(v);
    if (hear) parts.push(hear);
    if (v.flow === "start" && !v.emergency) parts.push(languageRow(frame.langs, v.lang));
    const followButton = v.flow === "start" && !v.emergency
      ? el("button", { type: "button", id: "follow", onclick: showFollowForm }, icon("letter"), ui.followStart) : null;
    if (v.progress) parts.push(el("p", { class: "progress", text: v.progress }));
    if (v.notice) parts.push(el("p", { class: "notice", role: "status", text: v.notice }));
    parts.push(el("h1", { id: "prompt", text: v.prompt }));
    if (v.text) parts.push(el("div", { class: "text" }, ...v.text.split("\n").map((t) => el("p", { text: t }))));
    if (v.error) parts.push(el("p", { class: "error", role: "alert", text: v.error }));
    if (v.help) parts.push(el("p", { class: "help", text: v.help }));
    if (v.summary) parts.push(summary(v));
    if (v.actions) parts.push(actions(v.actions));
    // A kiosk cannot dial: wherever a screen says "call", say what to do
    // without a phone.
    if (ui.noPhone && (v.actions || []).some((a) => a.phone)) parts.push(el("p", { class: "notice", id: "no-phone", text: ui.noPhone }));
    if (v.expect === "choice" && v.options) parts.push(options(v));
    if (v.expect === "choices" && v.options) parts.push(multiOptions(v));
    if (v.expect === "text") parts.push(textForm(v));
    if (v.expect === "contact") parts.push(contactForm(v));
    if (v.ticket && frame.receipt) parts.push(ticket(frame.receipt));
    if (followButton) parts.push(followButton);
    if (v.offerPerson) parts.push(el("button", { type: "button", class: "primary", onclick: () => send({ type: "person" }) }, icon("person"), ui.person));
    hideKeyboard();
    screen.replaceChildren(...parts);
    screen.dataset.step = v.flow + "/" + v.step;
    renderGlobals(v);
    screen.focus({ preventScroll: true });
    window.scrollTo(0, 0);
    resetIdle();
  }

  function renderStrip(frame) {
    // A kiosk cannot dial: the number shows, also where the label leaves
    // it out ("Bel Veilig Thuis"), kept left to right in Arabic.
    const items = frame.strip.map((a) => el("a", { href: "tel:" + a.phone.replace(/[^0-9+]/g, "") }, a.label,
      a.phone && !a.label.includes(a.phone) ? el("span", { class: "num", dir: "ltr", text: a.phone }) : null));
    const leave = el("button", { type: "button", class: "leave", onclick: leaveQuickly }, ui.leave);
    strip.replaceChildren(...items, leave);
  }

  function languageRow(langs, current) {
    return el("div", { class: "langs", role: "group", "aria-label": ui.languages },
      ...langs.map((l) => el("button", {
        type: "button", lang: l.code, dir: l.rtl ? "rtl" : "ltr",
        class: l.code === current ? "selected" : "", "aria-pressed": String(l.code === current),
        onclick: () => send({ type: "language", lang: l.code }),
      }, l.name)));
  }

  function options(v) {
    return el("div", { class: "options" }, ...v.options.map((o) => holdToHear(el("button", {
      type: "button", class: o.id === v.selected ? "selected" : "", "data-option": o.id,
      onclick: () => send(v.emergency && o.id === "close" ? { type: "close" } : { type: "choose", choice: o.id }),
    }, icon(o.icon), el("span", { text: o.label })), o.speech)));
  }

  // A multi step: buttons that toggle (an exclusive one clears the others,
  // and another clears it), then one button to go on.
  function multiOptions(v) {
    const chosen = new Set(v.chosen || []);
    const go = el("button", { type: "button", class: "primary", id: "multi-next", onclick: () => send({ type: "choose", choices: v.options.filter((o) => chosen.has(o.id)).map((o) => o.id) }) }, icon("next"), ui.continue);
    const buttons = v.options.map((o) => el("button", {
      type: "button", "data-option": o.id, "aria-pressed": String(chosen.has(o.id)), class: chosen.has(o.id) ? "selected" : "",
      onclick: () => {
        if (chosen.has(o.id)) chosen.delete(o.id);
        else {
          if (o.exclusive) chosen.clear();
          else v.options.filter((x) => x.exclusive).forEach((x) => chosen.delete(x.id));
          chosen.add(o.id);
        }
        buttons.forEach((b, i) => {
          const on = chosen.has(v.options[i].id);
          b.setAttribute("aria-pressed", String(on));
          b.className = on ? "selected" : "";
        });
        go.disabled = chosen.size === 0;
        resetIdle();
      },
    }, icon(o.icon), el("span", { text: o.label })));
    buttons.forEach((b, i) => holdToHear(b, v.options[i].speech));
    go.disabled = chosen.size === 0;
    const row = el("div", { class: "row" }, go);
    if (v.optional) row.append(el("button", { type: "button", onclick: () => send({ type: "skip" }) }, ui.skip));
    return el("div", {}, el("div", { class: "options", role: "group", "aria-labelledby": "prompt" }, ...buttons), row);
  }

  const digits = (s) => s.replace(/[^0-9]/g, "");

  function actions(list) {
    return el("div", { class: "actions" }, ...list.map((a) => a.phone
      ? el("a", { class: "button", href: "tel:" + a.phone.replace(/[^0-9+]/g, "") }, icon("phone"), el("span", { text: a.label }),
          digits(a.label).includes(digits(a.phone)) ? null : el("bdi", { dir: "ltr", text: a.phone }))
      : el("a", { class: "button", href: a.link, rel: "noreferrer", target: "_blank" }, icon("link"), el("span", { text: a.label }))));
  }

  function summary(v) {
    return el("ul", { class: "summary" }, ...v.summary.map((s) => el("li", {},
      el("span", { class: "q", text: s.question }),
      el("span", { class: "a", dir: "auto", text: s.answer }), // an address or a name keeps its own direction
      el("button", { type: "button", onclick: () => send({ type: "change", step: s.step }) }, ui.change))));
  }

  function textForm(v) {
    const multiline = v.kind === "text";
    const field = el(multiline ? "textarea" : "input", { id: "answer", name: "answer", "aria-labelledby": "prompt", autocomplete: "off" });
    if (!multiline) field.setAttribute("type", v.kind === "email" ? "email" : v.kind === "phone" ? "tel" : "text");
    if (v.maxLength) field.setAttribute("maxlength", String(v.maxLength));
    field.value = v.value || "";
    attachKeyboard(field, v.lang);
    const buttons = el("div", { class: "row" }, el("button", { type: "submit", class: "primary" }, ui.send));
    if (v.optional) buttons.append(el("button", { type: "button", onclick: () => send({ type: "skip" }) }, ui.skip));
    return el("form", { class: "answer", onsubmit: (e) => { e.preventDefault(); send({ type: "text", text: field.value }); } }, field, buttons);
  }

  function contactForm(v) {
    const c = v.contact || {};
    const field = (id, label, type, value) => {
      const input = el("input", { id, name: id, type, value: value || "", autocomplete: "off" });
      attachKeyboard(input, v.lang);
      return [el("label", { for: id, text: label }), input];
    };
    const [ln, n] = field("c-name", ui.name, "text", c.name);
    const [lp, p] = field("c-phone", ui.phone, "tel", c.phone);
    const [le, m] = field("c-email", ui.email, "email", c.email);
    return el("form", { class: "answer", onsubmit: (e) => { e.preventDefault(); send({ type: "contact", contact: { name: n.value, phone: p.value, email: m.value } }); } },
      ln, n, lp, p, le, m,
      el("div", { class: "row" },
        el("button", { type: "submit", class: "primary" }, ui.send),
        el("button", { type: "button", onclick: () => send({ type: "skip" }) }, ui.anonymous)));
  }

  function ticket(r) {
    const parts = [el("p", { text: ui.code }), el("p", { class: "code", id: "ticket-code", text: r.ticket })];
    if (r.pin) parts.push(el("p", { text: ui.pin }), el("p", { class: "code", id: "ticket-pin", text: r.pin }));
    parts.push(el("p", { text: ui.keep }));
    if (r.qr && r.qr.startsWith("data:image/svg+xml;base64,")) {
      parts.push(el("img", { class: "qr", id: "ticket-qr", src: r.qr, alt: ui.qr, width: "240", height: "240" }));
    }
    return el("section", { class: "ticket", "aria-label": ui.code }, ...parts);
  }

  function renderGlobals(v) {
    const labels = { back: ["back", ui.back], restart: ["home", ui.restart], stop: ["stop", ui.stop], language: ["language", ui.language], emergency: ["alert", ui.emergency], person: ["person", ui.person] };
    globals.setAttribute("aria-label", ui.title);
    globals.replaceChildren(...v.globals.filter((g) => g !== "language").map((g) => el("button", {
      type: "button", "data-global": g, onclick: () => send({ type: g }),
    }, icon(labels[g][0]), labels[g][1])));
    if (v.globals.includes("language") && v.flow !== "start") {
      globals.append(el("button", { type: "button", "data-global": "language", onclick: () => showLanguages() }, icon("language"), ui.language));
    }
  }

  function showLanguages() {
    if (!lastFrame) return;
    screen.replaceChildren(el("h1", { text: ui.languages }), languageRow(lastFrame.langs, lastFrame.view.lang),
      el("button", { type: "button", onclick: () => render(lastFrame) }, icon("back"), ui.back));
  }

  // The kiosk's own keyboard: the system one does not appear reliably in
  // kiosk mode. Latin with the diacritics of Dutch, Turkish and Polish,
  // Arabic, and Cyrillic (Bulgarian). Phones use their own keyboard.
  const layouts = {
    latin: ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm@.-", "éëèïöüçğşıąćęłńóśźż"],
    arabic: ["١٢٣٤٥٦٧٨٩٠", "ضصثقفغعهخحج", "شسيبلاتنمكط", "ئءؤرىةوزظد", "ذأإآ@.-"],
    cyrillic: ["1234567890", "явертъуиопч", "асдфгхйклш", "зьцжбнмщю@.-"],
  };
  const layoutNames = { latin: "ABC", arabic: "عربي", cyrillic: "АБВ" };
  let layout = "latin";
  let keyboardFor = null;
  const keyboard = el("div", { class: "keyboard", id: "keyboard", hidden: "" });
  document.body.append(keyboard);

  function defaultLayout(lang) { return lang === "ar" ? "arabic" : lang === "bg" ? "cyrillic" : "latin"; }

  function type(text) {
    const f = keyboardFor;
    if (!f) return;
    const start = f.selectionStart ?? f.value.length, end = f.selectionEnd ?? f.value.length;
    if (text === "\b") {
      if (start === end && start > 0) f.setRangeText("", start - 1, start, "end");
      else f.setRangeText("", start, end, "end");
    } else {
      const max = Number(f.getAttribute("maxlength") || 0);
      if (max && f.value.length - (end - start) + text.length > max) return;
      f.setRangeText(text, start, end, "end");
    }
    f.dispatchEvent(new Event("input", { bubbles: true }));
    f.focus();
  }

  function drawKeyboard() {
    const key = (label, text, cls, name) => el("button", { type: "button", class: "key " + (cls || ""), "data-key": text, "aria-label": name || label,
      onpointerdown: (e) => e.preventDefault(), onclick: () => type(text) }, label);
    const rows = layouts[layout].map((r) => el("div", { class: "krow" }, ...[...r].map((c) => key(c, c))));
    const next = Object.keys(layouts)[(Object.keys(layouts).indexOf(layout) + 1) % 3];
    rows.push(el("div", { class: "krow" },
      el("button", { type: "button", class: "key wide", "data-layout": next, onpointerdown: (e) => e.preventDefault(),
        onclick: () => { layout = next; drawKeyboard(); } }, layoutNames[next]),
      key("␣", " ", "space", "space"), key("⌫", "\b", "wide", "backspace")));
    keyboard.replaceChildren(...rows);
  }

  function attachKeyboard(field, lang) {
    if (mode !== "kiosk") return;
    field.setAttribute("inputmode", "none"); // no system keyboard on top of ours
    field.addEventListener("focus", () => {
      keyboardFor = field;
      if (keyboard.hidden) { layout = defaultLayout(lang); drawKeyboard(); }
      keyboard.hidden = false;
      // The keyboard stays at the bottom of the screen: the field and its
      // form's buttons scroll up above it, not under it.
      document.documentElement.style.scrollPaddingBlockEnd = keyboard.offsetHeight + "px";
      const form = field.closest("form");
      const last = form && form.querySelector(".row:last-child, button[type=submit]");
      (last || field).scrollIntoView({ block: "nearest" });
    });
  }

  function hideKeyboard() { keyboard.hidden = true; keyboardFor = null; document.documentElement.style.scrollPaddingBlockEnd = ""; }

  // Leave quickly: everything is forgotten at once. On a phone the page
  // also goes somewhere harmless, without a way back.
  function leaveQuickly() {
    stop();
    if (mode === "phone") {
      // The page goes away now: if the stop could not go over the
      // WebSocket, it goes as a beacon (which carries the session cookie).
      if (stopPending) navigator.sendBeacon("/leave");
      location.replace("https://www.google.nl/");
    }
  }

  // stop ends the conversation on the server and wipes the screen; made
  // while the connection is down, it is sent once the page is back.
  function stop() {
    if (ws && ws.readyState === WebSocket.OPEN) send({ type: "stop" });
    else stopPending = true;
    wipe();
  }

  // The kiosk forgets: no touch for a while brings a warning with a
  // countdown and one big button; then everything is wiped.
  function resetIdle() {
    // A touch keeps the server's copy of the conversation too (on a kiosk
    // it forgets on its own after the idle time): at most twice in that
    // time, and twice a minute.
    if (ws && ws.readyState === WebSocket.OPEN && lastFrame && ui && Date.now() - toldStill > Math.min(30000, ui.idleSeconds * 500)) {
      toldStill = Date.now();
      ws.send(JSON.stringify({ type: "still" }));
    }
    clearTimeout(idleTimer);
    if (countdown) { clearInterval(countdown); countdown = null; hideOverlay("idle"); }
    if (!ui || (mode !== "kiosk" && !lastFrame)) return;
    // Nothing to forget on the kiosk's start menu itself; every other
    // screen (a flow, the code form, a thread opened with a code) is wiped.
    const onStart = (screen.dataset.step || "").startsWith("start/") && lastFrame && !lastFrame.view.emergency;
    if (onStart && mode === "kiosk") return;
    idleTimer = setTimeout(warnIdle, ui.idleSeconds * 1000);
  }

  function warnIdle() {
    let left = ui.warningSeconds;
    showOverlay("idle", ui.stillThere, ui.secondsLeft[left], ui.stillHere);
    countdown = setInterval(() => {
      left--;
      overlayCount.textContent = ui.secondsLeft[Math.max(left, 0)];
      if (left <= 0) { clearInterval(countdown); countdown = null; hideOverlay("idle"); stop(); }
    }, 1000);
  }

  function showOverlay(kind, text, count, button) {
    overlay.dataset.kind = kind;
    overlayText.textContent = text;
    overlayCount.textContent = count;
    overlayButton.textContent = button;
    overlay.hidden = false;
    if (button) overlayButton.focus();
  }

  function hideOverlay(kind) {
    if (overlay.dataset.kind === kind) overlay.hidden = true;
  }

  overlayButton.addEventListener("click", () => resetIdle());
  for (const ev of ["pointerdown", "keydown"]) document.addEventListener(ev, () => { if (!countdown) resetIdle(); }, { passive: true });
  connect();
})();
