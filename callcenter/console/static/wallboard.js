// The wallboard: the line, the queues' last 24 hours and the agents, read from the API twice
// a second (a change on the line shows within a second). Server text set as text only.
"use strict";
(function () {
  const board = document.getElementById("board");
  if (!board) return;
  const words = JSON.parse(document.getElementById("board-words").dataset.words);
  const $ = (id) => document.getElementById(id);
  const cell = (text, cls) => { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; return td; };
  const rate = (f) => (f && f.value != null) ? `${(f.value * 100).toFixed(1)}% (${f.numerator}/${f.denominator || 0})` : "—";
  const row = (name, f) => {
    const tr = document.createElement("tr");
    tr.append(cell(name));
    for (const k of ["calls_offered", "calls_answered", "answered_within_15s", "abandoned_ivr", "abandoned_queue"]) {
      tr.append(cell(f[k] ? String(f[k].value) : "—", "n"));
    }
    tr.append(cell(rate(f.answer_rate)), cell(rate(f.within_15s_rate)));
    return tr;
  };
  const listen = document.getElementById("listen");
  // Listening in (audited by the service): from the supervisor's own seat's phone.
  document.addEventListener("click", async (e) => {
    const b = e.target.closest("button.listen");
    if (!b) return;
    const from = document.getElementById("listen-seat").value;
    const out = document.getElementById("listen-state");
    try {
      const r = await window.hotline.api("POST", `/desk/seats/${from}/listen`, { target: b.dataset.target });
      out.textContent = `${b.dataset.target}: ${r.state}`;
    } catch (err) { out.textContent = err.data?.error || err.message; }
  });
  // What the page has shown, in order: a test (or a person) can see the line's course.
  const seen = (window.hotline.boardSeen = []);
  const show = (b) => {
    for (const k of ["in_menu", "waiting", "talking"]) $(k).textContent = b.line[k];
    $("longest_wait").textContent = Math.round(b.line.longest_wait_s);
    $("board-at").textContent = window.hotline.local(b.at, false);
    $("figures").tBodies[0].replaceChildren(row(words.all, b.last_24h),
      ...Object.entries(b.queues).map(([q, v]) => row(q, v.last_24h)));
    $("agents").tBodies[0].replaceChildren(...b.agents.seats.map((s) => {
      const tr = document.createElement("tr");
      tr.dataset.state = s.state;
      tr.append(cell(s.seat), cell(s.agent), cell((words[s.state] || s.state) + (s.reason ? ` · ${words.reasons[s.reason] || s.reason}` : "")),
        cell(s.seconds == null ? "—" : `${Math.round(s.seconds)}${words.seconds}`, "n"));
      if (listen) {
        const td = document.createElement("td");
        for (const mode of ["listen", "whisper", "barge"]) {
          const b = document.createElement("button");
          b.type = "button";
          b.className = "secondary listen";
          b.dataset.target = `${s.seat}:${mode}`;
          b.textContent = words[mode];
          td.append(b);
        }
        tr.append(td);
      }
      return tr;
    }));
    const last = seen[seen.length - 1];
    const now = { waiting: b.line.waiting, talking: b.line.talking,
                  within_15s: b.last_24h.answered_within_15s?.value ?? 0 };
    if (!last || ["waiting", "talking", "within_15s"].some((k) => last[k] !== now[k])) {
      if (seen.length >= 1000) seen.shift();
      seen.push({ ...now, at: Date.now() });
    }
  };
  const poll = async () => {
    try { show(await window.hotline.api("GET", "/wallboard")); } catch (err) { /* next look */ }
    setTimeout(poll, parseInt(board.dataset.poll, 10) || 500);
  };
  poll();
})();
