// The agent's desk. Everything it shows of a call comes from the API's event stream (no
// reload); everything it does is an API request as the signed-in person. Text from the
// server is set with textContent, never as HTML.
"use strict";
(function () {
  const desk = document.getElementById("desk");
  if (!desk) return;
  const api = (m, u, b) => window.hotline.api(m, u, b);
  const $ = (id) => document.getElementById(id);
  const words = JSON.parse(desk.dataset.words || "{}");
  const word = (k) => words[k] || k;
  const seat = desk.dataset.seat;
  // When things happened on this page (the latency benchmark reads them; kept short).
  const marks = (window.hotline.marks = []);
  const mark = (what, call) => { if (marks.length < 500) marks.push({ what, call, at: Date.now() }); };
  const alertIn = (el, err) => {
    const fields = err.data?.fields || {};
    el.textContent = Object.keys(fields).length
      ? Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join("; ") : (err.data?.error || err.message);
    el.hidden = false;
    return fields;
  };

  // -- choosing a seat -------------------------------------------------------------------
  const login = $("login");
  if (login) {
    login.addEventListener("submit", async (e) => {
      e.preventDefault();
      const chosen = login.elements.namedItem("seat").value;
      try {
        await api("POST", `/desk/seats/${encodeURIComponent(chosen)}/login`, {});
        location.assign("/desk");
      } catch (err) { alertIn(login.querySelector("[role=alert]"), err); }
    });
    return;
  }

  // -- the seat's state --------------------------------------------------------------------
  const stateEl = $("state"), afterCall = $("after-call");
  let afterCallTimer = null;
  const showState = (s) => {
    stateEl.dataset.state = s.state;
    stateEl.dataset.reason = s.reason || "";
    stateEl.textContent = word(s.state) + (s.reason ? " · " + word(s.reason) : "");
    clearInterval(afterCallTimer);
    afterCall.hidden = true;
    if (s.state === "paused" && s.reason === "after_call") {
      const total = parseFloat(desk.dataset.afterCall) || 0;
      const began = Date.now() - (s.seconds || 0) * 1000;
      const tick = () => {
        const left = Math.max(0, Math.ceil(total - (Date.now() - began) / 1000));
        afterCall.textContent = `${word("after_call")} ${left}${word("seconds")}`;
        afterCall.hidden = false;
      };
      tick();
      afterCallTimer = setInterval(tick, 500);
    }
  };
  for (const b of document.querySelectorAll(".seat-cmd")) {
    b.addEventListener("click", async () => {
      const cmd = b.dataset.command;
      const body = cmd === "pause" ? { reason: $("pause-reason").value } : {};
      try {
        const s = await api("POST", `/desk/seats/${seat}/${cmd}`, body);
        if (cmd === "logout") location.assign("/desk"); else showState(s);
        $("seat-alert").hidden = true;
      } catch (err) { alertIn($("seat-alert"), err); }
    });
  }

  // -- the call: screen pop, timer, actions ------------------------------------------------
  let call = null, callTimer = null, ticket = null;
  const timer = $("call-timer");
  const startTimer = (since) => {
    clearInterval(callTimer);
    const t0 = since ? Date.parse(since) : Date.now();
    const tick = () => {
      const s = Math.max(0, Math.floor((Date.now() - t0) / 1000));
      timer.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
    };
    tick();
    timer.hidden = false;
    callTimer = setInterval(tick, 1000);
  };
  const list = (ul, items, line) => {
    ul.replaceChildren(...items.map((x) => { const li = document.createElement("li"); li.textContent = line(x); return li; }));
  };
  const form = $("register");
  const showPop = (p) => {
    call = p.call;
    ticket = null;
    $("no-call").hidden = true;
    $("pop-facts").hidden = false;
    $("pop-number").textContent = p.number;
    $("pop-choice").textContent = [p.ivr_choice, p.ivr_meaning].filter(Boolean).join(" · ");
    $("pop-wait").textContent = p.wait_s == null ? "—" : `${Math.round(p.wait_s)}${word("seconds")}`;
    list($("pop-earlier"), p.earlier_calls, (c) => `${window.hotline.local(c.started_at)} · ${c.disposition}`);
    list($("pop-tickets"), p.open_tickets, (t) => `#${t.id} ${t.category} · ${t.status} · ${t.repeats}`);
    form.reset();
    form.elements.namedItem("linkedid").value = p.form.call;
    form.elements.namedItem("channel").value = p.form.channel;
    form.elements.namedItem("reporter_phone").value = p.form.reporter_phone;
    form.elements.namedItem("anonymous").checked = p.form.anonymous;
    if (p.form.kind) form.elements.namedItem("kind").value = p.form.kind;
    $("ticket-id").hidden = true;
    $("after-register").hidden = true;
    startTimer(p.answered_at);
    desk.dataset.call = p.call;
    form.elements.namedItem("category").focus();
  };
  const callEnded = () => { clearInterval(callTimer); desk.dataset.call = ""; call = null; };
  for (const b of document.querySelectorAll(".call-cmd")) {
    b.addEventListener("click", async () => {
      const cmd = b.dataset.command;
      mark(`${cmd}_clicked`, call);
      const body = cmd === "conference" ? { unit: $("unit").value }
        : (cmd === "transfer" || cmd === "consult") ? { target: $("target").value } : {};
      try {
        const r = await api("POST", `/desk/seats/${seat}/${cmd}`, body);
        $("request").textContent = `${cmd}: ${r.state}${r.detail ? " · " + r.detail : ""}`;
      } catch (err) { alertIn($("request"), err); }
    });
  }

  // -- registering, dispatching, answering directly ---------------------------------------
  // The form registered as a ticket; its id, or null with the problems shown on the form.
  const register = async () => {
    const body = {};
    for (const el of form.elements) {
      if (!el.name) continue;
      if (el.type === "checkbox") body[el.name] = el.checked;
      else if (el.value !== "") body[el.name] = el.value;
    }
    const alert = form.querySelector("[role=alert]");
    for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
    try {
      const t = await api("POST", "/tickets", body);
      ticket = t.id;
      alert.hidden = true;
      $("ticket-id").textContent = `#${t.id}`;
      $("ticket-id").hidden = false;
      const q = new URLSearchParams({ address: body.address || "", category: body.category || "" });
      const found = (await api("GET", `/units/propose?${q}`)).items;
      const sel = $("proposed");
      sel.replaceChildren(...found.map((u) => { const o = document.createElement("option"); o.value = u.unit; o.textContent = u.unit; return o; }));
      if (found.length) $("unit").value = found[0].unit;
      $("after-register").hidden = false;
      return ticket;
    } catch (err) {
      const fields = alertIn(alert, err);
      for (const name of Object.keys(fields)) form.elements.namedItem(name)?.setAttribute("aria-invalid", "true");
      return null;
    }
  };
  form.addEventListener("submit", async (e) => { e.preventDefault(); await register(); });
  $("dispatch").addEventListener("click", async () => {
    if (!ticket) return;
    try {
      await api("POST", `/tickets/${ticket}/commands/Dispatch`, { lead_unit: $("proposed").value });
      $("ticket-id").textContent = `#${ticket} ✓`;
    } catch (err) { alertIn(form.querySelector("[role=alert]"), err); }
  });
  document.addEventListener("click", async (e) => {
    const b = e.target.closest(".answer-directly, .call-back");
    if (!b) return;
    try {
      if (b.classList.contains("call-back")) {
        const r = await api("POST", `/desk/missed/${b.dataset.call}/callback`, { seat });
        b.replaceWith(document.createTextNode(` · ${r.state}`));
      } else if (ticket || await register()) {  // one click: registered first if need be
        await api("POST", `/tickets/${ticket}/commands/AnswerDirectly`,
          { answer: b.dataset.answer, kb_article: parseInt(b.dataset.article, 10) });
        $("ticket-id").textContent = `#${ticket} ✓`;
      }
    } catch (err) { alertIn(form.querySelector("[role=alert]"), err); }
  });

  // -- live assist: the call's words as they are said, and what they suggest ---------------
  const liveLines = $("live-lines");
  const lineEls = new Map();  // speaker/n -> li
  const clearLive = () => {
    if (!liveLines) return;
    liveLines.replaceChildren();
    lineEls.clear();
    for (const id of ["live-phones", "live-addresses", "live-categories", "live-kb"]) $(id).replaceChildren();
    $("emergency").hidden = true;
  };
  const showWords = (w) => {
    const key = `${w.speaker}/${w.n}`;
    let li = lineEls.get(key);
    if (!w.text) { if (li) { li.remove(); lineEls.delete(key); } return; }
    if (!li) {
      li = document.createElement("li");
      const who = document.createElement("span");
      who.className = "tag";
      who.textContent = word(w.speaker);
      const said = document.createElement("span");
      said.className = "said";
      li.append(who, " ", said);
      li.dataset.speaker = w.speaker;
      lineEls.set(key, li);
      // In the order they were said, whoever said them.
      const after = [...liveLines.children].find((x) => parseFloat(x.dataset.start) > w.start_s);
      liveLines.insertBefore(li, after || null);
    }
    li.dataset.start = w.start_s;
    li.classList.toggle("partial", !w.final);
    li.querySelector(".said").textContent = w.text;
    liveLines.scrollTop = liveLines.scrollHeight;
  };
  const chips = (ul, values, field) => {
    ul.replaceChildren(...values.map((v) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "suggest secondary";
      b.dataset.field = field;
      b.dataset.value = v;
      b.textContent = `${word("use")} ${v}`;
      li.append(b);
      return li;
    }));
  };
  const showOffers = (o) => {
    chips($("live-phones"), o.phones, "reporter_phone");
    chips($("live-addresses"), o.addresses, "address");
    chips($("live-categories"), o.categories, "category");
    $("live-kb").replaceChildren(...o.articles.map((a) => {
      const li = document.createElement("li");
      const q = document.createElement("strong");
      q.textContent = a.question;
      const p = document.createElement("p");
      p.textContent = a.answer;
      const b = document.createElement("button");
      b.type = "button";
      b.className = "answer-directly";
      b.dataset.article = a.id;
      b.dataset.answer = a.answer;
      b.textContent = word("answer_directly");
      li.append(q, p, b);
      return li;
    }));
    const urgent = $("emergency");
    urgent.hidden = !o.emergencies.length;
    urgent.textContent = o.emergencies.length ? `${word("emergency_heard")}: ${o.emergencies.join("、")}` : "";
  };
  // A suggestion fills its field only when the agent takes it.
  document.addEventListener("click", (e) => {
    const b = e.target.closest(".suggest");
    if (!b) return;
    const el = form.elements.namedItem(b.dataset.field);
    if (el) { el.value = b.dataset.value; el.dispatchEvent(new Event("input")); }
  });

  // -- the event stream --------------------------------------------------------------------
  const events = new EventSource("/api/v1/events");
  events.addEventListener("agents", (e) => {
    const mine = JSON.parse(e.data).items.find((s) => s.seat === seat);
    if (mine) showState(mine);
  });
  events.addEventListener("screen_pop", (e) => {
    const p = JSON.parse(e.data);
    if (p.seat !== seat) return;
    mark("pop_received", p.call);
    if (p.call !== call) clearLive();
    showPop(p);
    // Two frames later the pop has been painted.
    requestAnimationFrame(() => requestAnimationFrame(() => mark("pop_shown", p.call)));
  });
  events.addEventListener("live_words", (e) => {
    const w = JSON.parse(e.data);
    if (w.seat !== seat || !liveLines) return;
    mark(w.final ? "words_final" : "words_partial", w.call);
    showWords(w);
  });
  events.addEventListener("live_assist", (e) => {
    const o = JSON.parse(e.data);
    if (o.seat !== seat || !liveLines) return;
    mark("offers", o.call);
    showOffers(o);
  });
  events.addEventListener("call_ended", (e) => { if (JSON.parse(e.data).seat === seat) callEnded(); });
  events.addEventListener("desk_request", (e) => {
    const r = JSON.parse(e.data);
    if (r.seat !== seat) return;
    $("request").textContent = `${r.command}: ${r.state}${r.detail ? " · " + r.detail : ""}`;
    mark(`${r.command}_${r.state}`, r.call);
  });
  events.addEventListener("revoked", () => { events.close(); location.assign("/signin"); });
  window.hotline.desk = { events, get call() { return call; }, get ticket() { return ticket; } };
})();
