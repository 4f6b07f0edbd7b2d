// The console's own script. Loaded from this origin only (the CSP allows no inline script);
// every request it or htmx makes carries the session's CSRF token.
"use strict";
(function () {
  const token = () => document.querySelector('meta[name="csrf-token"]')?.content || "";
  document.addEventListener("htmx:configRequest", (e) => {
    e.detail.headers["X-CSRF-Token"] = token();
  });
  window.hotline = {
    csrf: token,
    // JSON from our API as the signed-in person (the session cookie rides along).
    async api(method, url, body) {
      const r = await fetch("/api/v1" + url, {
        method, credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": token() },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const data = r.headers.get("Content-Type")?.includes("json") ? await r.json() : null;
      if (!r.ok) throw Object.assign(new Error(data?.error || r.statusText), { status: r.status, data });
      return data;
    },
  };
})();

// The player: start at the hit, keep the line being said highlighted, jump by a click (or
// Enter on a focused line).
(function () {
  const audio = document.getElementById("audio");
  const player = document.getElementById("player");
  if (!audio || !player) return;
  const lines = Array.from(document.querySelectorAll("#transcript .line"));
  const start = parseFloat(player.dataset.start || "0") || 0;
  const seek = (t) => { audio.currentTime = t; };
  audio.addEventListener("loadedmetadata", () => { if (start > 0) seek(start); }, { once: true });
  audio.addEventListener("timeupdate", () => {
    const now = audio.currentTime;
    for (const line of lines) {
      const on = now >= parseFloat(line.dataset.start) && now < parseFloat(line.dataset.end);
      line.classList.toggle("now", on);
      if (on) line.setAttribute("aria-current", "true"); else line.removeAttribute("aria-current");
    }
  });
  for (const line of lines) {
    line.addEventListener("click", () => { seek(parseFloat(line.dataset.start)); audio.play().catch(() => {}); });
  }
})();
