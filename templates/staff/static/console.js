// The staff console's script: forms marked data-api call the JSON API (with the CSRF
// token), and the case page keeps its conversation and viewers up to date by polling.
"use strict";

(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const textsNode = document.getElementById("console-texts");
  const T = textsNode ? JSON.parse(textsNode.textContent) : {};
  const POLL_MS = 4000;

  async function call(method, url, body) {
    const init = { method, credentials: "same-origin", headers: { "X-CSRF-Token": csrf } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    let data = null;
    try { data = await response.json(); } catch { /* not JSON */ }
    return { ok: response.ok, status: response.status, data };
  }

  function failure(result) {
    const lead = (T.errors || {})[String(result.status)] || T["error-other"] || "";
    const detail = result.data && result.data.error;
    return detail ? lead + (T.detail || " ({detail})").replace("{detail}", detail) : lead;
  }

  // --- what each form sends ---------------------------------------------------------------
  const bodies = {
    none: () => undefined,
    fields(form) {
      const body = {};
      for (const [name, value] of new FormData(form)) {
        if (name !== "csrf_token") body[name] = String(value).trim();
      }
      return body;
    },
    referral(form) {
      const [department, program] = form.elements.referral.value.split("/");
      return { department, program, note: form.elements.note.value.trim() };
    },
    visit(form) {
      const flag = (name) => ({ yes: true, no: false })[form.elements[name].value] ?? null;
      const findings = {
        business_confirmed_micro: flag("business_confirmed_micro"),
        income_confirmed: flag("income_confirmed"),
        property_explained: flag("property_explained"),
      };
      const corrected = {};
      for (const row of form.querySelectorAll(".income-row")) {
        const member = row.querySelector('[name="member"]').value;
        const kind = row.querySelector('[name="income_kind"]').value;
        const amount = row.querySelector('[name="amount"]').value;
        if (member && kind && amount !== "") (corrected[member] ??= {})[kind] = Number(amount);
      }
      if (Object.keys(corrected).length) findings.corrected_income = corrected;
      const signed = [...form.querySelectorAll('[name="consents_signed"]:checked')].map((c) => c.value);
      if (signed.length) findings.consents_signed = signed;
      const living = form.elements.living_situation.value.trim();
      if (living) findings.living_situation = living;
      return { findings };
    },
  };

  async function submit(event) {
    const form = event.currentTarget;
    event.preventDefault();
    const status = form.querySelector(".form-status");
    const buttons = form.querySelectorAll("button[type=submit]");
    const say = (text, error) => {
      if (!status) return;
      status.textContent = text;
      status.classList.toggle("error", Boolean(error));
    };
    buttons.forEach((b) => { b.disabled = true; });
    say(T.busy || "…");
    let result;
    try {
      result = await call("POST", form.dataset.api, bodies[form.dataset.body || "fields"](form));
    } catch {
      result = null;
    }
    buttons.forEach((b) => { b.disabled = false; });
    if (result === null) return say(T["error-network"], true);
    if (result.status === 401) return location.assign("/staff/login");
    if (!result.ok) return say(failure(result), true);
    say(T.done || "");
    const then = form.dataset.then || "reload";
    if (then === "open") location.assign(form.dataset.open);
    else if (then === "reply") {
      form.reset();
      refresh();
      setTimeout(() => say(""), 3000);
    }
    else location.reload();
  }

  document.querySelectorAll("form[data-api]").forEach((f) => f.addEventListener("submit", submit));

  document.querySelectorAll("[data-add-row]").forEach((button) => {
    button.addEventListener("click", () => {
      const rows = button.closest("fieldset").querySelectorAll(".income-row");
      const copy = rows[rows.length - 1].cloneNode(true);
      copy.querySelectorAll("input").forEach((i) => { i.value = ""; });
      copy.querySelectorAll("select").forEach((s) => { s.selectedIndex = 0; });
      rows[rows.length - 1].after(copy);
    });
  });

  // --- the case page, live ----------------------------------------------------------------
  const page = document.getElementById("case");
  if (!page) return;
  const caseId = page.dataset.caseId;
  const conversation = document.getElementById("conversation");

  function localTime(iso) {
    // Guangdong time (UTC+8), as the server writes it: MM-DD HH:MM
    const shifted = new Date(Date.parse(iso) + 8 * 3600 * 1000).toISOString();
    return shifted.slice(5, 10) + " " + shifted.slice(11, 16);
  }

  function who(actor) {
    const [kind, name] = actor.split(/:(.*)/s);
    if (kind === "staff") return (T.who.staff || "{name}").replace("{name}", name);
    return T.who[kind] || actor;
  }

  function isMessage(event) {
    if (event.kind === "notice") return !(event.data && event.data.kind);
    return T.conversation.includes(event.kind);
  }

  function bubble(actor, at, text) {
    const li = document.createElement("li");
    li.className = "msg " + (actor === "resident" ? "in" : "out");
    const name = document.createElement("span");
    name.className = "who";
    name.textContent = who(actor);
    const time = document.createElement("time");
    time.dateTime = at;
    time.textContent = localTime(at);
    const body = document.createElement("p");
    body.textContent = text || "";
    li.append(name, " ", time, body);
    return li;
  }

  function showConversation(events) {
    const messages = events.filter(isMessage);
    if (String(messages.length) === conversation.dataset.count) return;
    conversation.replaceChildren(...messages.map((e) => bubble(e.actor, e.at, e.text)));
    conversation.dataset.count = String(messages.length);
    conversation.scrollTop = conversation.scrollHeight;
  }

  async function refresh() {
    if (document.hidden) return;
    let result;
    try { result = await call("GET", `/staff/api/cases/${caseId}`); } catch { return; }
    if (result.status === 401) return location.assign("/staff/login");
    if (!result.ok || !result.data) return;
    const data = result.data;
    showConversation(data.events || []);
    document.getElementById("viewers").textContent =
      (data.viewers || []).length ? data.viewers.join("、") : T["viewers-none"];
    document.getElementById("case-status").textContent = T.status[data.status] || data.status;
  }

  conversation.scrollTop = conversation.scrollHeight;
  setInterval(refresh, POLL_MS);
  document.addEventListener("visibilitychange", refresh);

  // The chat before the handoff is read (and audited) only when a caseworker opens it.
  const earlier = document.querySelector("details[data-transcript]");
  earlier?.addEventListener("toggle", async () => {
    const list = document.getElementById("earlier");
    if (!earlier.open || list.dataset.loaded) return;
    list.dataset.loaded = "1";
    const note = (text) => {
      const li = document.createElement("li");
      li.className = "empty muted";
      li.textContent = text;
      list.replaceChildren(li);
    };
    let result;
    try { result = await call("GET", earlier.dataset.transcript); } catch { result = null; }
    if (!result || !result.ok || !result.data) return note(T["earlier-failed"]);
    const lines = result.data.messages || result.data.transcript || [];
    if (!lines.length) return note(T["earlier-empty"]);
    list.replaceChildren(...lines.map((m) =>
      bubble(m.direction === "in" ? "resident" : "assistant", m.at, m.text)));
  });
})();
