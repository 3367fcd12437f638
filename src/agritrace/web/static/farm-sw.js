// agritrace service worker for the farmer's pages (/my): network first, the last copy of a
// page when there is no network. Only same-origin GETs under /my are touched; posts go to the
// network (farm.js keeps them on the phone when that fails).
"use strict";
var CACHE = "agt-farm";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function keep(request, response) {
  // A redirect means "signed out": the login page is not a copy of the page asked for.
  if (!response.ok || response.redirected || response.type !== "basic") return;
  var copy = response.clone();
  caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname !== "/my" && url.pathname.indexOf("/my/") !== 0) return;
  event.respondWith(fetch(request).then(function (response) {
    keep(request, response);
    return response;
  }).catch(function () {
    return caches.match(request).then(function (hit) {
      return hit || caches.match("/my");
    }).then(function (hit) {
      return hit || new Response("offline", { status: 503, headers: { "Content-Type": "text/plain" } });
    });
  }));
});

function precache(urls) {
  // One page at a time, and only the missing ones: the network may be slow and metered.
  return caches.open(CACHE).then(function (cache) {
    return urls.reduce(function (done, url) {
      return done.then(function () {
        return cache.match(url).then(function (hit) {
          if (hit) return undefined;
          return fetch(url, { credentials: "same-origin" }).then(function (response) {
            if (response.ok && !response.redirected) return cache.put(url, response);
            return undefined;
          }).catch(function () {});
        });
      });
    }, Promise.resolve());
  });
}

self.addEventListener("message", function (event) {
  if (event.data && Array.isArray(event.data.precache)) {
    event.waitUntil(precache(event.data.precache.filter(function (url) {
      return typeof url === "string" && url.indexOf("/my") === 0;
    })));
  }
});
