// The rating page's autosave: every answer is stored exactly as given, in
// the order it was given, whatever the keyboard, the tab or the Wi-Fi does.
//
// - Each key action saves through one queue: at most one request in flight,
//   and what changed meanwhile is sent after it, based on the version the
//   server just confirmed. The server writes a part only over the version
//   the page saw (one guarded statement), so a late or repeated request can
//   never overwrite a newer answer.
// - A level change carries no evidence, and evidence no level.
// - Evidence is saved while typing (debounced), on leaving the box, and when
//   the page is hidden or closed (a keepalive request).
// - Changes not confirmed yet are kept in localStorage and sent, in order,
//   when the connection comes back or the page is opened again.
// - Reloading while offline: a service worker (rating-sw.js) keeps the last
//   copy of this page, and what the server confirmed since that copy was made
//   is kept here too, so the page shows the newest answers, then the waiting
//   changes on top of them.
// - "Saved" is shown only once the server confirmed the value on screen.
//
// The words come translated from the page (data-msg-* on the form). Without
// JavaScript the form's Save button posts what changed since the page loaded.
(function () {
  "use strict";

  const form = document.querySelector("form[data-autosave]");
  if (!form) return;

  const EVIDENCE_DELAY_MS = 700;
  const RETRY_MS = [1000, 2000, 5000, 10000, 20000];
  const msg = (name) => form.dataset["msg" + name] || "";
  const invitation = form.querySelector("input[name=invitation]").value;
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const storageKey = "convening:rating:" + form.dataset.round + ":" + invitation;
  // What the server confirmed while this page was open: newer than the page's
  // own HTML, which an offline reload serves from the copy kept earlier.
  const heldKey = storageKey + ":confirmed";
  let held = {};
  const queueStatus = document.getElementById("rating-queue");
  const keyActions = new Map();
  let stopped = false; // the session ended: nothing more is sent

  function load(key) {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "{}");
    } catch (error) {
      return {};
    }
  }

  function store(key, entries) {
    try {
      if (Object.keys(entries).length) window.localStorage.setItem(key, JSON.stringify(entries));
      else window.localStorage.removeItem(key);
    } catch (error) {
      // Private browsing may refuse storage: the queue still works in memory.
    }
  }

  function persist() {
    const waiting = {};
    keyActions.forEach((ka, id) => {
      const parts = {};
      ["level", "evidence"].forEach((part) => {
        if (ka[part].pending !== null) parts[part] = { value: ka[part].pending, base: ka[part].base };
      });
      if (Object.keys(parts).length) waiting[id] = parts;
    });
    store(storageKey, waiting);
    store(heldKey, held);
    showQueue();
  }

  function waitingCount() {
    let count = 0;
    keyActions.forEach((ka) => {
      if (ka.level.pending !== null || ka.evidence.pending !== null || ka.inFlight) count += 1;
    });
    return count;
  }

  function showQueue() {
    const count = waitingCount();
    if (!queueStatus) return;
    if (!count) {
      queueStatus.textContent = "";
      queueStatus.classList.add("visually-hidden");
      return;
    }
    const template = count === 1 ? msg("WaitingOne") : msg("WaitingMany");
    const offline = navigator.onLine === false ? " " + msg("Offline") : "";
    queueStatus.textContent = template.replace("{count}", String(count)) + offline;
    queueStatus.classList.remove("visually-hidden");
  }

  function levelOnScreen(ka) {
    const checked = ka.fieldset.querySelector("input[type=radio]:checked");
    return checked ? checked.value : "";
  }

  const STATUS_CLASSES = {
    saving: "text-body-secondary",
    saved: "text-success",
    waiting: "text-warning-emphasis fw-semibold",
    error: "text-danger fw-semibold",
    conflict: "text-danger fw-semibold",
  };

  function setStatus(ka, text, kind) {
    const span = document.createElement("span");
    span.className = STATUS_CLASSES[kind] + " save-status-" + kind;
    span.textContent = text;
    ka.status.replaceChildren(span);
  }

  function showProgress(rated, total) {
    const bar = document.getElementById("progress-bar");
    const label = document.querySelector("#progress label");
    if (bar) {
      bar.max = total;
      bar.value = rated;
      bar.textContent = rated + "/" + total;
    }
    if (label) label.textContent = msg("Progress").replace("{rated}", String(rated)).replace("{total}", String(total));
  }

  function adopt(ka, part, value, version) {
    // The server holds `value` at `version`: later writes are based on it, and
    // the no-JavaScript form's hidden fields say so too.
    ka[part].base = version;
    ka[part].confirmed = value;
    ka[part].sent = [];
    held[ka.id] = Object.assign(held[ka.id] || {}, { [part]: { value, version } });
    ka.fieldset.querySelector("input[name=ka-" + ka.id + "-" + part + "-version]").value = String(version);
    ka.fieldset.querySelector("input[name=ka-" + ka.id + "-" + part + "-initial]").value = value;
  }

  function body(ka, parts) {
    const data = new URLSearchParams();
    data.set("csrfmiddlewaretoken", csrf);
    data.set("invitation", invitation);
    parts.forEach(([part, value, base]) => {
      data.set("ka-" + ka.id + "-" + part, value);
      data.set("ka-" + ka.id + "-" + part + "-version", String(base));
    });
    return data;
  }

  function sending(ka) {
    return ["level", "evidence"]
      .filter((part) => ka[part].pending !== null)
      .map((part) => [part, ka[part].pending, ka[part].base]);
  }

  function refreshStatus(ka) {
    if (ka.inFlight || ka.level.pending !== null || ka.evidence.pending !== null) {
      if (ka.failed) setStatus(ka, navigator.onLine === false ? msg("OfflineOne") : msg("Retrying"), "waiting");
      else setStatus(ka, msg("Saving"), "saving");
      return;
    }
    const onScreen = levelOnScreen(ka) === ka.level.confirmed && ka.evidenceBox.value.trim() === ka.evidence.confirmed.trim();
    if (onScreen && ka.savedOnce) setStatus(ka, msg("Saved"), "saved");
  }

  function send(ka) {
    if (ka.inFlight) return;
    window.clearTimeout(ka.retryTimer);
    const parts = sending(ka);
    if (!parts.length) {
      refreshStatus(ka);
      return;
    }
    if (navigator.onLine === false) {
      ka.failed = true;
      refreshStatus(ka);
      showQueue();
      return;
    }
    ka.inFlight = parts;
    parts.forEach(([part, value]) => {
      ka[part].pending = null;
      ka[part].sent.push(value);
    });
    refreshStatus(ka);
    fetch(ka.url, {
      method: "POST",
      body: body(ka, parts),
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-Requested-With": "fetch" },
    })
      .then((response) => response.json().then((answer) => ({ status: response.status, answer })))
      .then(({ status, answer }) => settle(ka, parts, status, answer))
      .catch(() => fail(ka, parts));
  }

  function requeue(ka, parts) {
    // What was in flight goes back in front, unless the person changed it since.
    parts.forEach(([part, value]) => {
      if (ka[part].pending === null) ka[part].pending = value;
    });
  }

  function fail(ka, parts) {
    ka.inFlight = null;
    requeue(ka, parts);
    ka.failed = true;
    persist();
    refreshStatus(ka);
    const delay = RETRY_MS[Math.min(ka.attempts, RETRY_MS.length - 1)];
    ka.attempts += 1;
    ka.retryTimer = window.setTimeout(() => send(ka), delay);
  }

  function settle(ka, parts, status, answer) {
    ka.inFlight = null;
    if (status >= 500) {
      fail(ka, parts);
      return;
    }
    ka.failed = false;
    ka.attempts = 0;
    if (answer.saved) {
      parts.forEach(([part, value]) => adopt(ka, part, value, answer[part + "_version"]));
      ka.savedOnce = true;
      showProgress(answer.rated, answer.total);
    } else if (answer.conflict) {
      const stored = answer.stored;
      const storedValue = (part) => (part === "level" ? stored.level : stored.evidence.trim());
      // Stored by this page already (an earlier try whose answer got lost, or
      // the keepalive request of a moment when the page was hidden)?
      const ours = parts.every(([part]) =>
        ka[part].sent.some((value) => (part === "level" ? value : value.trim()) === storedValue(part)),
      );
      const mine = parts.map(([part, value]) => [part, value]);
      adopt(ka, "level", stored.level, stored.level_version);
      adopt(ka, "evidence", stored.evidence, stored.evidence_version);
      if (ours) {
        ka.savedOnce = true;
        // What is on screen now may be newer still: send it over the version just learnt.
        mine.forEach(([part, value]) => {
          if (ka[part].pending === null && (part === "level" ? value : value.trim()) !== storedValue(part)) {
            ka[part].pending = value;
          }
        });
      } else {
        showStored(ka, stored);
        parts.forEach(([part]) => (ka[part].pending = null));
        persist();
        setStatus(ka, answer.message, "conflict");
        return;
      }
    } else {
      parts.forEach(([part]) => (ka[part].pending = null));
      persist();
      setStatus(ka, answer.message, "error");
      if (answer.session_ended) stopped = true;
      return;
    }
    persist();
    if (sending(ka).length) send(ka);
    else refreshStatus(ka);
  }

  function showStored(ka, stored) {
    ka.fieldset.querySelectorAll("input[type=radio]").forEach((radio) => {
      radio.checked = radio.value === stored.level;
    });
    ka.evidenceBox.value = stored.evidence;
  }

  function changed(ka, part) {
    if (stopped) return;
    const value = part === "level" ? levelOnScreen(ka) : ka.evidenceBox.value;
    // Evidence typed back to what is stored, with nothing in flight, needs no request.
    const unchanged = part === "evidence" && !ka.inFlight && value.trim() === ka.evidence.confirmed.trim();
    ka[part].pending = unchanged ? null : value;
    persist();
    refreshStatus(ka);
  }

  function flushAll(keepalive) {
    keyActions.forEach((ka) => {
      window.clearTimeout(ka.typingTimer);
      if (!keepalive) {
        send(ka);
        return;
      }
      const parts = sending(ka);
      if (!parts.length || ka.inFlight || navigator.onLine === false) return;
      parts.forEach(([part, value]) => ka[part].sent.push(value));
      // The page is going away: one last request that outlives it. The
      // change stays stored here until a later page sees it confirmed.
      fetch(ka.url, { method: "POST", body: body(ka, parts), credentials: "same-origin", keepalive: true });
    });
  }

  form.querySelectorAll("fieldset[data-key-action]").forEach((fieldset) => {
    const id = fieldset.dataset.keyAction;
    const value = (name) => fieldset.querySelector("input[name=ka-" + id + "-" + name + "]").value;
    const ka = {
      id,
      fieldset,
      url: fieldset.dataset.saveUrl,
      status: fieldset.querySelector(".save-status"),
      evidenceBox: fieldset.querySelector("textarea"),
      level: { base: Number(value("level-version")), confirmed: value("level-initial"), pending: null, sent: [] },
      evidence: {
        base: Number(value("evidence-version")),
        confirmed: value("evidence-initial"),
        pending: null,
        sent: [],
      },
      inFlight: null,
      failed: false,
      attempts: 0,
      savedOnce: false,
    };
    keyActions.set(id, ka);
    fieldset.querySelectorAll("input[type=radio]").forEach((radio) =>
      radio.addEventListener("change", () => {
        changed(ka, "level");
        send(ka);
      }),
    );
    ka.evidenceBox.addEventListener("input", () => {
      changed(ka, "evidence");
      window.clearTimeout(ka.typingTimer);
      ka.typingTimer = window.setTimeout(() => send(ka), EVIDENCE_DELAY_MS);
    });
    ka.evidenceBox.addEventListener("blur", () => {
      window.clearTimeout(ka.typingTimer);
      send(ka);
    });
  });

  // Answers the server confirmed after this page's HTML was made (an offline
  // reload shows an older copy); those the page knows already are forgotten.
  Object.entries(load(heldKey)).forEach(([id, parts]) => {
    const ka = keyActions.get(id);
    if (!ka) return;
    Object.entries(parts).forEach(([part, { value, version }]) => {
      if (version <= ka[part].base) return;
      adopt(ka, part, value, version);
      if (part === "level") showStored(ka, { level: value, evidence: ka.evidenceBox.value });
      else ka.evidenceBox.value = value;
    });
  });

  // Changes left from an earlier visit (offline, or a page closed mid-save).
  const earlier = load(storageKey);
  Object.entries(earlier).forEach(([id, parts]) => {
    const ka = keyActions.get(id);
    if (!ka) return;
    Object.entries(parts).forEach(([part, { value, base }]) => {
      const confirmed = ka[part].confirmed;
      if ((part === "level" ? confirmed === value : confirmed.trim() === value.trim()) || base !== ka[part].base) {
        return; // stored already, or based on an answer that changed since: the page shows what is kept
      }
      ka[part].pending = value;
      if (part === "level") showStored(ka, { level: value, evidence: ka.evidenceBox.value });
      else ka.evidenceBox.value = value;
    });
  });
  persist();
  keyActions.forEach((ka) => send(ka));

  // The copy for an offline reload: this page and the files it uses. A page
  // showing a passing message ("Thank you!") asks for a copy without it.
  if ("serviceWorker" in navigator && form.dataset.serviceWorker) {
    const page = new URL(form.action).pathname;
    navigator.serviceWorker
      .register(form.dataset.serviceWorker, { scope: page })
      .then(() => navigator.serviceWorker.ready)
      .then((registration) => {
        const files = [...document.querySelectorAll("script[src], link[rel=stylesheet], link[rel=icon]")];
        registration.active.postMessage({
          page,
          keep: files.map((element) => element.src || element.href),
          refresh: Boolean(document.querySelector(".messages .alert")),
        });
      })
      .catch(() => null); // offline, or storage refused: the page works without its copy
  }

  window.addEventListener("online", () => {
    showQueue();
    keyActions.forEach((ka) => send(ka));
  });
  window.addEventListener("offline", () => {
    showQueue();
    keyActions.forEach((ka) => refreshStatus(ka));
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") flushAll(true);
  });
  window.addEventListener("pagehide", () => flushAll(true));
  window.addEventListener("beforeunload", (event) => {
    if (waitingCount()) {
      flushAll(true);
      event.preventDefault();
      event.returnValue = "";
    }
  });
  // The no-JavaScript Save button: with the script, answers are saved already;
  // posting the form still works and writes only what changed.
  form.addEventListener("submit", () => flushAll(false));
})();
