// A phone's answer in the room, whatever the signal does: the answer on
// screen is sent once, in the order given, and kept until the server
// confirms it.
//
// - One request at a time; a change made meanwhile is sent after it, over the
//   version the server then confirmed (the server writes only over the
//   version the phone showed, so a late or repeated request never overwrites
//   a newer answer).
// - Until confirmed, the answer stays on screen (the room's polling does not
//   redraw it away), is retried as the connection allows, and is kept in
//   localStorage in the rating page's own queue (rating.js), so that the
//   full rating page sends it if the phone goes there or is reopened.
// - The words come translated from the form (data-msg-*). Without
//   JavaScript the form's button posts the answer and the page reloads.
(function () {
  "use strict";

  const RETRY_MS = [1000, 2000, 5000, 10000, 20000];
  let pending = null; // {form, keyAction, value, base, at}: on screen, not yet confirmed
  let inFlight = false;
  let attempts = 0;
  let retryTimer = 0;

  const answerForm = () => document.querySelector("form[data-meeting-answer]");
  const queueKey = (form) => "convening:rating:" + form.dataset.round + ":" + form.dataset.invitation;

  function keep(entry, keepIt) {
    // The rating page's queue: {key action: {level: {value, base}}}.
    try {
      const key = queueKey(entry.form);
      const queue = JSON.parse(window.localStorage.getItem(key) || "{}");
      const stored = queue[entry.keyAction];
      if (keepIt) queue[entry.keyAction] = Object.assign(stored || {}, { level: { value: entry.value, base: entry.base } });
      else if (stored && stored.level && stored.level.value === entry.value) {
        delete stored.level;
        if (!Object.keys(stored).length) delete queue[entry.keyAction];
      }
      if (Object.keys(queue).length) window.localStorage.setItem(key, JSON.stringify(queue));
      else window.localStorage.removeItem(key);
    } catch (error) {
      // Storage refused (private browsing): the answer still waits in memory.
    }
  }

  function say(form, name, kind) {
    const status = form.querySelector("[data-answer-status]");
    if (!status) return;
    status.textContent = form.dataset["msg" + name] || "";
    status.className = "small " + (kind === "waiting" ? "text-warning-emphasis fw-semibold" : "text-body-secondary");
  }

  function swapIn(html) {
    const current = document.getElementById("phone-state");
    const holder = document.createElement("template");
    holder.innerHTML = html.trim();
    const fresh = holder.content.firstElementChild;
    if (!current || !fresh) return;
    current.replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
  }

  function schedule() {
    window.clearTimeout(retryTimer);
    const delay = RETRY_MS[Math.min(attempts, RETRY_MS.length - 1)];
    attempts += 1;
    retryTimer = window.setTimeout(send, delay);
  }

  function send() {
    if (inFlight || pending === null) return;
    window.clearTimeout(retryTimer);
    const entry = pending;
    if (navigator.onLine === false) {
      say(entry.form, "Waiting", "waiting");
      schedule();
      return;
    }
    const data = new FormData(entry.form);
    data.set("key_action", entry.keyAction);
    data.set("level", entry.value);
    data.set("version", String(entry.base));
    data.set("at", entry.at);
    inFlight = true;
    say(entry.form, "Saving", "saving");
    fetch(entry.form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "HX-Request": "true" },
    })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then((html) => {
        inFlight = false;
        attempts = 0;
        keep(entry, false);
        if (pending === entry) {
          pending = null;
          swapIn(html);
          return;
        }
        // Changed again while this was on its way: send that, over the version just confirmed.
        const confirmed = new DOMParser().parseFromString(html, "text/html").querySelector("input[name=version]");
        pending.base = confirmed ? Number(confirmed.value) : pending.base;
        keep(pending, true);
        send();
      })
      .catch(() => {
        inFlight = false;
        say(entry.form, "Waiting", "waiting");
        schedule();
      });
  }

  document.addEventListener("change", (event) => {
    const form = answerForm();
    const radio = event.target;
    if (!form || !(radio instanceof HTMLInputElement) || radio.name !== "level" || !form.contains(radio)) return;
    const base = pending && pending.keyAction === form.elements.key_action.value ? pending.base : null;
    pending = {
      form,
      keyAction: form.elements.key_action.value,
      value: radio.value,
      base: base === null ? Number(form.elements.version.value) : base,
      at: form.elements.at.value,
    };
    keep(pending, true);
    send();
  });

  document.addEventListener("submit", (event) => {
    const form = answerForm();
    if (event.target !== form) return;
    event.preventDefault();
    const checked = form.querySelector("input[name=level]:checked");
    if (checked && pending === null) checked.dispatchEvent(new Event("change", { bubbles: true }));
    else send();
  });

  // The room moved on while an answer waits: it stays on screen until it is stored.
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (pending !== null && event.detail.target && event.detail.target.id === "phone-state") {
      event.detail.shouldSwap = false;
    }
  });

  window.addEventListener("online", send);
  // What the page says for phones without JavaScript (Playwright's and some browsers' "off" still parse <noscript> as on).
  document.querySelectorAll("[data-without-script]").forEach((element) => element.remove());
})();
