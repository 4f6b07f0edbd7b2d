// The console's own script. Loaded from this origin only (the CSP allows no inline script);
// every request it or htmx makes carries the session's CSRF token.
"use strict";
(function () {
  const token = () => document.querySelector('meta[name="csrf-token"]')?.content || "";
  document.addEventListener("htmx:configRequest", (e) => {
    e.detail.headers["X-CSRF-Token"] = token();
  });
  const tz = () => document.body?.dataset.tz || undefined;
  window.hotline = {
    csrf: token,
    // A stored time as the hotline reads it: in the hotline's zone, whatever the browser's.
    local(iso, withDate = true) {
      const opts = { timeZone: tz(), hour12: false, hour: "2-digit", minute: "2-digit", second: "2-digit" };
      if (withDate) Object.assign(opts, { year: "numeric", month: "2-digit", day: "2-digit" });
      return new Date(iso).toLocaleString("zh-CN", opts);
    },
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

// Countdowns to deadlines, against the server's clock (the page says what time it was).
(function () {
  const words = document.getElementById("words");
  if (!words) return;
  const skew = Date.parse(words.dataset.now) - Date.now();
  const fmt = (ms) => {
    const m = Math.floor(Math.abs(ms) / 60000), d = Math.floor(m / 1440);
    const h = Math.floor((m % 1440) / 60), mm = m % 60;
    return (d ? d + words.dataset.d : "") + (d || h ? h + words.dataset.h : "") +
      (d ? "" : mm + words.dataset.m);
  };
  const tick = () => {
    for (const el of document.querySelectorAll("time.countdown")) {
      const left = Date.parse(el.getAttribute("datetime")) - (Date.now() + skew);
      let span = el.querySelector(".left");
      if (!span) { span = document.createElement("span"); span.className = "left"; el.append(span); }
      span.textContent = left >= 0 ? `${words.dataset.left} ${fmt(left)}` : `${words.dataset.over} ${fmt(left)}`;
      el.classList.toggle("over", left < 0);
    }
  };
  tick();
  setInterval(tick, 30000);
})();

// A ticket command form: its fields as the command's JSON ("reply.fact" nests), sent to the
// API as the signed-in person; the rule or the fields it breaks are shown in the form.
(function () {
  const nest = (out, name, value) => {
    const parts = name.split(".");
    let at = out;
    for (const p of parts.slice(0, -1)) at = at[p] = at[p] || {};
    at[parts[parts.length - 1]] = value;
  };
  for (const form of document.querySelectorAll("form.command")) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const body = {};
      for (const el of form.elements) {
        if (!el.name || el.disabled) continue;
        const as = el.dataset.type;
        if (el.type === "checkbox") nest(body, el.name, el.checked);
        else if (el.multiple) nest(body, el.name, Array.from(el.selectedOptions, (o) => o.value));
        else if (el.value === "" && !el.required) continue;
        else if (as === "bool") nest(body, el.name, el.value === "true");
        else if (as === "int") nest(body, el.name, parseInt(el.value, 10));
        else nest(body, el.name, el.value);
      }
      const alert = form.querySelector("[role=alert]");
      for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
      try {
        await window.hotline.api("POST", `/tickets/${form.dataset.ticket}/commands/${form.dataset.command}`, body);
        location.reload();
      } catch (err) {
        const fields = err.data?.fields || {};
        for (const name of Object.keys(fields)) {
          const el = form.elements.namedItem(name);
          if (el && el.setAttribute) el.setAttribute("aria-invalid", "true");
        }
        alert.textContent = Object.keys(fields).length
          ? Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join("; ")
          : (err.data?.error || err.message);
        alert.hidden = false;
      }
    });
  }
})();

// Reports: produce a period again; the answer says whether the content changed.
document.addEventListener("click", async (e) => {
  const b = e.target.closest("button.produce");
  if (!b) return;
  const out = document.getElementById("produced");
  try {
    const r = await window.hotline.api("POST", `/reports/${b.dataset.kind}/${b.dataset.period}/produce`);
    out.textContent = `${b.dataset.period}: ${r.new ? b.dataset.new : b.dataset.same} (v${r.version})`;
  } catch (err) { out.textContent = err.data?.error || err.message; }
});

// The office: force day or night on the line, or give it back to the schedule.
document.addEventListener("click", async (e) => {
  const b = e.target.closest("button.force");
  if (!b) return;
  try {
    await window.hotline.api("POST", "/duty/force", { mode: b.dataset.mode });
    location.reload();
  } catch (err) {
    const out = document.getElementById("duty-alert");
    out.textContent = err.data?.error || err.message;
    out.hidden = false;
  }
});

// Every deferred script of the page has run: its buttons do what they say (tests wait on it).
document.addEventListener("DOMContentLoaded", () => { document.documentElement.dataset.ready = "1"; });
