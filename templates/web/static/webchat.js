// The web chat page: send what is typed or pressed, show the replies, stream staff messages.
// Every text comes from the page's config (templates/<locale>/webchat.yml).
"use strict";
(() => {
  const config = JSON.parse(document.getElementById("webchat-config").textContent);
  let T = config.texts;
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const sendButton = document.getElementById("send");
  const status = document.getElementById("status");
  let busy = false;
  let events = null;
  let started = false; // this page has had a conversation (to tell a new one apart)
  let failed = null; // {text, id} of a message that did not go: a retry reuses its id
  let typedWhileBusy = false;

  function newId() {
    // crypto.randomUUID needs a secure context; getRandomValues works on plain http too.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function item(kind) {
    const li = document.createElement("li");
    li.className = "msg " + kind;
    // Several messages in a row from one side: the name is shown once (still read out).
    if (log.lastElementChild && log.lastElementChild.classList.contains(kind)) {
      li.classList.add("same");
    }
    const who = document.createElement("span");
    who.className = "who";
    who.dataset.t = { you: "who-you", assistant: "who-assistant", staff: "who-staff" }[kind];
    who.textContent = T[who.dataset.t];
    li.append(who);
    log.append(li);
    return li;
  }

  function text(li, words) {
    if (!words) return;
    const p = document.createElement("p");
    p.className = "text";
    p.textContent = words;
    li.append(p);
  }

  function showMine(words) {
    text(item("you"), words);
  }

  function show(replies) {
    if (!replies.length) return;
    // Buttons of earlier replies are spent: only the newest choices stay pressable.
    if (replies.some((r) => r.buttons)) {
      log.querySelectorAll(".choices button").forEach((b) => { b.disabled = true; });
    }
    let first = null;
    for (const reply of replies) {
      const li = item(reply.from === "staff" ? "staff" : "assistant");
      text(li, reply.text);
      if (reply.buttons) li.append(choices(reply.buttons));
      if (reply.document) {
        const a = document.createElement("a");
        a.className = "document";
        a.href = reply.document.url;
        a.download = reply.document.filename;
        a.textContent = reply.document.label;
        li.append(a);
      }
      first = first || li;
    }
    // A long answer is read from its start; the choices and the box follow it.
    first.scrollIntoView({ block: "start", behavior: "smooth" });
  }

  function choices(buttons) {
    const group = document.createElement("div");
    group.className = "choices";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", T["buttons-label"]);
    for (const b of buttons) {
      if (b.url) {
        if (!/^https?:\/\//i.test(b.url)) continue; // only web links open from a choice
        const a = document.createElement("a");
        a.href = b.url;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        a.textContent = b.title;
        group.append(a);
        continue;
      }
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = b.title;
      button.addEventListener("click", () => send(b.payload, b.title, false, group));
      group.append(button);
    }
    return group;
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (response.status === 403) throw new Error("refused");
    if (!response.ok) throw new Error("status " + response.status);
    return response.json();
  }

  function setBusy(on) {
    busy = on;
    sendButton.disabled = on;
    status.textContent = on ? T.sending : "";
  }

  function answered(data) {
    if (data.new && started) {
      const li = item("assistant");
      text(li, T["new-conversation"]);
    }
    started = true;
    if (data.new || !events) listen();
  }

  // Send a message; `typed`: it came from the input box, which is cleared only once it went;
  // `group`: the choices a pressed button belongs to, spent once the press went.
  async function send(message, shown, typed, group) {
    if (!message.trim()) return;
    if (busy) {
      // Typed while the previous message is on its way: it goes next, from the box.
      if (typed) typedWhileBusy = true;
      return;
    }
    const id = failed && failed.text === message ? failed.id : newId();
    setBusy(true);
    try {
      const data = await post(config.messages, { message, message_id: id });
      failed = null;
      showMine(shown);
      if (typed && input.value === message) input.value = ""; // not what was typed since
      if (group) {
        group.querySelectorAll("button").forEach((b) => { b.disabled = true; });
        input.focus({ preventScroll: true }); // the pressed button is gone from the Tab order
      }
      setBusy(false);
      show(data.replies);
      answered(data);
    } catch (error) {
      failed = { text: message, id };
      setBusy(false);
      status.textContent = error.message === "refused" ? T["error-refused"] : T["error-network"];
      typedWhileBusy = false; // it stays in the box; the resident presses Send again
    }
    if (typedWhileBusy) {
      typedWhileBusy = false;
      send(input.value, input.value, true);
    }
  }

  function listen() {
    if (events) events.close();
    events = new EventSource(config.events);
    events.addEventListener("message", (event) => show(JSON.parse(event.data).replies));
    events.addEventListener("error", () => {
      // 204 (no conversation yet) closes it for good; the first answer opens it again.
      if (events && events.readyState === EventSource.CLOSED) events = null;
    });
  }

  function relabel() {
    document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = T[el.dataset.t]; });
    document.querySelectorAll("[data-t-label]").forEach((el) => {
      el.setAttribute("aria-label", T[el.dataset.tLabel]);
    });
    document.querySelectorAll(".choices").forEach((el) => {
      el.setAttribute("aria-label", T["buttons-label"]);
    });
  }

  async function switchLanguage(lang) {
    if (busy) return;
    setBusy(true);
    try {
      const data = await post(config.language, { lang });
      T = data.texts;
      document.documentElement.lang = data.html_lang;
      document.querySelectorAll("[data-lang]").forEach((b) => {
        b.setAttribute("aria-pressed", String(b.dataset.lang === data.lang));
      });
      relabel();
      setBusy(false);
      show(data.replies);
      answered(data);
    } catch (error) {
      setBusy(false);
      status.textContent = error.message === "refused" ? T["error-refused"] : T["error-network"];
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(input.value, input.value, true);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault(); // Enter sends; Shift+Enter is a new line; IME input is kept
      form.requestSubmit();
    }
  });
  document.querySelectorAll("[data-lang]").forEach((b) => {
    b.addEventListener("click", () => switchLanguage(b.dataset.lang));
  });
  listen(); // a returning resident: staff messages left meanwhile arrive at once
  input.focus();
})();
