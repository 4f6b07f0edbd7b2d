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
