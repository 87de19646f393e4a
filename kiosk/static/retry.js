// The kiosk's "not paired" and "one moment" screens look again by
// themselves, every data-retry seconds, and reload only once the kiosk
// page can be served: nothing moves on the screen before that.
"use strict";
(() => {
  const every = Number(document.documentElement.dataset.retry) * 1000;
  if (!(every > 0)) return;
  setInterval(() => {
    fetch(location.href, { cache: "no-store" }).then((r) => { if (r.ok) location.reload(); }, () => {});
  }, every);
})();
