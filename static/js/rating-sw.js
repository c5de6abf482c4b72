// The rating page's service worker: it keeps the last copy of each rating
// page this browser opened, with the files that page uses, so that reloading
// it while offline still shows the page. The changes waiting to be sent live
// in the page's own storage (rating.js), which puts them back on screen.
//
// - A rating page is always asked of the server first; the copy is only for
//   when the server cannot be reached. An answer other than the page itself
//   (the session ended, a redirect to sign in) drops the copy.
// - Files are served from the copy only when the page asked to keep them.
// - Leaving the page ("Not you?") and signing out clear everything kept here
//   (the server answers them with Clear-Site-Data).
"use strict";

const CACHE = "convening-rating-v1";
const RATING_PAGE = /^\/rounds\/\d+\/rate\/$/;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

function pageKey(url) {
  return new URL(url, self.location.origin).pathname;
}

function isPage(response) {
  return response.ok && !response.redirected && response.type === "basic";
}

// The page's copy follows the server's answer: the page itself replaces it,
// anything else (the session ended, a redirect to sign in) drops it.
function keepAnswer(cache, url, response) {
  return isPage(response) ? cache.put(pageKey(url), response) : cache.delete(pageKey(url));
}

function keepPage(event) {
  return fetch(event.request).then((response) => {
    const copy = response.clone();
    // The browser may stop the worker once the page has its answer: this keeps it until the copy is stored.
    event.waitUntil(caches.open(CACHE).then((cache) => keepAnswer(cache, event.request.url, copy)));
    return response;
  });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (RATING_PAGE.test(url.pathname)) {
    if (request.mode !== "navigate") return;
    event.respondWith(
      keepPage(event).catch(() =>
        caches.match(pageKey(request.url), { ignoreVary: true }).then((copy) => copy || Response.error()),
      ),
    );
    return;
  }
  if (!["script", "style", "image", "font"].includes(request.destination)) return;
  event.respondWith(caches.match(request, { ignoreVary: true }).then((copy) => copy || fetch(request)));
});

// The page names what it needs offline: itself and its files. What is kept
// already is not fetched again; `refresh` replaces the page's copy (one that
// showed a passing message, such as "Thank you!", is not the one to keep).
self.addEventListener("message", (event) => {
  const data = event.data || {};
  const files = (data.keep || []).filter((url) => new URL(url, self.location.origin).origin === self.location.origin);
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      Promise.all([
        ...files.map((url) =>
          cache.match(url).then((copy) => copy || fetch(url).then((response) => response.ok && cache.put(url, response))),
        ),
        ...(data.page
          ? [
              cache.match(pageKey(data.page), { ignoreVary: true }).then((copy) => {
                if (copy && !data.refresh) return null;
                return fetch(data.page, { credentials: "same-origin" }).then((response) =>
                  keepAnswer(cache, data.page, response),
                );
              }),
            ]
          : []),
      ]).catch(() => null),
    ),
  );
});
