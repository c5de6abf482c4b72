// The rating page on a phone: one key action per screen.
//
// Below Bootstrap's md breakpoint (768 px) only the shown key action's
// fieldset (and its rubric's heading) stays visible: Previous, Next and "Next
// unanswered" move between them, and so do the contents' links. The address
// keeps the shown key action in its hash (#ka-<id>), so a reload or the Back
// button lands on it, and moving to another one puts the focus on its legend.
// Wide screens keep the whole list; without JavaScript every key action stays
// on the page (nothing here is hidden by CSS alone).
//
// The contents mark each key action done once it has a level or "Not sure".
// Saving is rating.js's work (it also updates the progress bar); this file
// only listens to the radios.
(function () {
  "use strict";

  const form = document.querySelector("form.rating-form");
  const stepNav = document.getElementById("step-nav");
  if (!form || !stepNav) return;
  const fieldsets = Array.from(form.querySelectorAll("fieldset.key-action"));
  if (fieldsets.length < 2) return;

  const narrow = window.matchMedia("(max-width: 767.98px)");
  const toc = document.getElementById("rating-toc");
  const tocDetails = toc ? toc.querySelector("details") : null;
  const sections = Array.from(form.querySelectorAll("section"));
  const position = document.getElementById("step-position");
  const button = (name) => stepNav.querySelector("[data-step=" + name + "]");
  const previous = button("previous");
  const next = button("next");
  const unanswered = button("unanswered");
  const allDone = button("done");
  const pageUrl = new URL(form.getAttribute("action") || window.location.pathname, window.location.href);

  let current = 0;
  let stepping = false;

  fieldsets.forEach((fieldset) => {
    const legend = fieldset.querySelector("legend");
    if (legend) legend.tabIndex = -1;
  });

  function isDone(fieldset) {
    return fieldset.querySelector("input[type=radio]:checked") !== null;
  }

  function tocLink(fieldset) {
    return toc ? toc.querySelector('[data-toc-for="' + fieldset.id + '"] a') : null;
  }

  function showMarks() {
    fieldsets.forEach((fieldset) => {
      const done = isDone(fieldset);
      const link = tocLink(fieldset);
      if (link) {
        link.parentElement.classList.toggle("is-done", done);
        if (done) link.parentElement.classList.remove("is-missing");
      }
      const note = fieldset.querySelector("[data-missing-note]");
      if (note) note.hidden = done;
      const missing = document.querySelector('[data-missing-for="' + fieldset.id + '"]');
      if (missing) missing.hidden = done;
    });
    showButtons();
  }

  function firstUnansweredFrom(start) {
    for (let step = 1; step <= fieldsets.length; step += 1) {
      const index = (start + step) % fieldsets.length;
      if (!isDone(fieldsets[index])) return index;
    }
    return -1;
  }

  function showButtons() {
    if (!stepping) return;
    previous.disabled = current === 0;
    next.disabled = current === fieldsets.length - 1;
    const left = firstUnansweredFrom(current);
    unanswered.hidden = left === -1 || left === current;
    if (allDone) allDone.hidden = left !== -1;
    if (position) {
      position.textContent = (stepNav.dataset.msgPosition || "")
        .replace("{number}", String(current + 1))
        .replace("{total}", String(fieldsets.length));
    }
  }

  function showCurrentInContents() {
    fieldsets.forEach((fieldset, index) => {
      const link = tocLink(fieldset);
      if (!link) return;
      if (stepping && index === current) link.setAttribute("aria-current", "step");
      else link.removeAttribute("aria-current");
    });
  }

  function layout() {
    const shown = fieldsets[current];
    fieldsets.forEach((fieldset) => {
      fieldset.hidden = stepping && fieldset !== shown;
    });
    sections.forEach((section) => {
      section.hidden = stepping && !section.contains(shown);
    });
    stepNav.hidden = !stepping;
    showCurrentInContents();
    showButtons();
  }

  function addressOf(fieldset) {
    const url = new URL(pageUrl.href);
    url.hash = fieldset.id;
    return url.href;
  }

  function scrollTo(fieldset) {
    // The rubric's heading comes first when it is the only thing above.
    const section = fieldset.closest("section");
    const target = section && section.querySelector("fieldset:not([hidden])") === fieldset ? section : fieldset;
    target.scrollIntoView({ block: "start", behavior: "instant" });
  }

  function focusLegend(fieldset) {
    const legend = fieldset.querySelector("legend");
    if (legend) legend.focus({ preventScroll: true });
  }

  // Shows key action `index`. `how.history` is "push" (a new entry for the
  // Back button), "replace" or absent (the address is right already).
  function show(index, how) {
    if (index < 0 || index >= fieldsets.length) return;
    current = index;
    layout();
    const fieldset = fieldsets[current];
    if (stepping && how.history) {
      const address = addressOf(fieldset);
      if (address !== window.location.href) {
        if (how.history === "push") window.history.pushState(null, "", address);
        else window.history.replaceState(null, "", address);
      }
    }
    if (stepping && how.scroll) scrollTo(fieldset);
    if (stepping && how.focus) focusLegend(fieldset);
  }

  // The key action an address or link points at: a key action's fieldset, or
  // the first one of a rubric; -1 for anything else.
  function indexFor(hash) {
    if (!hash || hash.length < 2) return -1;
    let target = null;
    try {
      target = document.getElementById(decodeURIComponent(hash.slice(1)));
    } catch (error) {
      return -1;
    }
    if (!target || !form.contains(target)) return -1;
    if (target.matches("section")) target = target.querySelector("fieldset.key-action");
    return fieldsets.indexOf(target);
  }

  function setMode() {
    const wasStepping = stepping;
    stepping = narrow.matches;
    if (tocDetails) tocDetails.open = !stepping;
    layout();
    if (stepping && !wasStepping) show(current, { history: "replace" });
    else if (!stepping && wasStepping) scrollTo(fieldsets[current]);
  }

  previous.addEventListener("click", () => show(current - 1, { history: "push", scroll: true, focus: true }));
  next.addEventListener("click", () => show(current + 1, { history: "push", scroll: true, focus: true }));
  unanswered.addEventListener("click", () => {
    const index = firstUnansweredFrom(current);
    if (index !== -1) show(index, { history: "push", scroll: true, focus: true });
  });

  // The contents, the list of missing answers and any other link to a key
  // action or a rubric: shown in place rather than scrolled to.
  document.addEventListener("click", (event) => {
    if (!stepping || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target.closest("a[href^='#']");
    if (!link) return;
    const index = indexFor(link.getAttribute("href"));
    if (index === -1) return;
    event.preventDefault();
    if (tocDetails && tocDetails.contains(link)) tocDetails.open = false;
    show(index, { history: "push", scroll: true, focus: true });
  });

  // Back and Forward, and addresses typed or changed by hand.
  function followAddress() {
    const index = indexFor(window.location.hash);
    if (!stepping || index === -1 || index === current) return;
    show(index, { scroll: true, focus: true });
  }
  window.addEventListener("popstate", followAddress);
  window.addEventListener("hashchange", followAddress);

  // Wherever the person works on the wide page becomes the step shown when
  // the screen turns narrow (a phone turned, a window narrowed).
  form.addEventListener("focusin", (event) => {
    const fieldset = event.target.closest("fieldset.key-action");
    if (fieldset && !stepping) current = fieldsets.indexOf(fieldset);
  });

  form.addEventListener("change", (event) => {
    if (event.target.matches("input[type=radio]")) showMarks();
  });
  // rating.js may put back an answer stored elsewhere (without a change
  // event); it always says so in the key action's status.
  if (window.MutationObserver) {
    const observer = new MutationObserver(showMarks);
    form.querySelectorAll(".save-status").forEach((status) => observer.observe(status, { childList: true }));
  }

  // The first key action shown: the one in the address, else the first one
  // with an error, else the first without an answer.
  const fromAddress = indexFor(window.location.hash);
  const withError = fieldsets.findIndex((fieldset) => fieldset.querySelector("[id^='error-']") !== null);
  const firstOpen = fieldsets.findIndex((fieldset) => !isDone(fieldset));
  current = [fromAddress, withError, firstOpen].find((index) => index !== -1);
  if (current === undefined) current = 0;
  stepping = narrow.matches;
  if (tocDetails && stepping) tocDetails.open = false;
  showMarks();
  layout();
  if (stepping) {
    show(current, { history: "replace" });
    if (fromAddress !== -1) scrollTo(fieldsets[current]);
  }
  if (narrow.addEventListener) narrow.addEventListener("change", setMode);
  else if (narrow.addListener) narrow.addListener(setMode);
})();
