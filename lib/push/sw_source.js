/**
 * The chat's service worker, served as /sw.js (routes/sw.ts) with scope "/".
 *
 * It does two things, each a section of listeners of its own:
 * - Web Push: a push from the server (lib/push/service.ts) becomes a
 *   notification, and clicking it brings the conversation up;
 * - Offline: the island bundle and static files from a cache, and the pages I
 *   opened last (network first): while the network is gone, a page I opened
 *   before shows as it was, read-only, under a banner that says so; one I never
 *   opened gets a short offline page. Signing in, out or up clears the pages (they
 *   are mine alone), and so does a page answering with the login form.
 *
 * Plain JavaScript, no build step: it runs as it is written.
 */

// ---- Lifecycle: a new version takes over at once, rather than when every tab closed.

/** More work for `install` and `activate` (an offline cache adds its own here). */
const lifecycle = { install: [], activate: [] };

self.addEventListener("install", (event) => {
  event.waitUntil(Promise.all([self.skipWaiting(), ...lifecycle.install.map((step) => step())]));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(Promise.all([self.clients.claim(), ...lifecycle.activate.map((step) => step())]));
});

// ---- Push: {roomId, roomName, seq, reason, from, url, text?} → a notification.

/** What the body says when the subscription has no previews (no `text`). */
const BODY_BY_REASON = {
  mention: "mentioned you",
  direct: "sent you a message",
  thread: "replied in a thread you follow",
  message: "sent a message",
};

self.addEventListener("push", (event) => {
  event.waitUntil(showPush(event.data));
});

/** Every push must show a notification (`userVisibleOnly`), even one we cannot read. */
function showPush(data) {
  let push;
  try {
    push = data ? data.json() : undefined;
  } catch {
    push = undefined;
  }
  if (!push || typeof push.roomId !== "string") {
    return self.registration.showNotification("New activity", { tag: "chat", data: { url: "/" } });
  }
  const from = String(push.from ?? "");
  const title = push.reason === "direct" || !push.roomName
    ? from || "New message"
    : `${from} in #${push.roomName}`;
  return self.registration.showNotification(title, {
    body: push.text || BODY_BY_REASON[push.reason] || BODY_BY_REASON.message,
    // One notification per room: a newer message replaces the older one, and says so.
    tag: push.roomId,
    renotify: true,
    timestamp: Date.now(),
    data: { url: sameOrigin(push.url), roomId: push.roomId, seq: push.seq },
  });
}

// ---- Click: focus a tab of this app and take it to the conversation, or open one.

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(openConversation(sameOrigin(event.notification.data?.url)));
});

async function openConversation(url) {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const tab = windows.find((client) => client.url === url) ?? windows[0];
  if (!tab) return await self.clients.openWindow(url);
  const focused = await tab.focus().catch(() => tab);
  if (focused.url === url) return focused;
  try {
    // Only a tab this worker controls can be navigated; others are told to go.
    return await focused.navigate(url);
  } catch {
    focused.postMessage({ type: "navigate", url });
    return focused;
  }
}

// ---- Subscription change: the browser renewed the push subscription; tell the server.

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(resubscribe(event.oldSubscription, event.newSubscription));
});

async function resubscribe(oldSubscription, newSubscription) {
  const options = oldSubscription?.options;
  const fresh = newSubscription ??
    (options ? await self.registration.pushManager.subscribe(options) : null);
  const send = (method, body) =>
    fetch("/api/push/subscriptions", {
      method,
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  // Previews are off for a renewed subscription: the worker does not know the choice.
  if (fresh) await send("POST", fresh.toJSON());
  if (oldSubscription) await send("DELETE", { endpoint: oldSubscription.endpoint });
}

/** `url` as an absolute URL of this origin; anything else becomes the app's root. */
function sameOrigin(url) {
  try {
    const resolved = new URL(url, self.location.origin);
    if (resolved.origin === self.location.origin) return resolved.href;
  } catch {
    // the root, below
  }
  return new URL("/", self.location.origin).href;
}

// ---- Offline: static files cache first, pages network first, copies of my last pages.

/** The island bundle (content-hashed: a name never changes meaning) and static files. */
const STATIC_CACHE = "static-v1";
/** Copies of the pages I opened last. */
const PAGES_CACHE = "pages-v1";
const CACHES = new Set([STATIC_CACHE, PAGES_CACHE]);
const PAGES_KEPT = 30;
const STATIC_KEPT = 200;
/** A page's answer slower than this, with a copy at hand, shows the copy. */
const PAGE_WAIT_MS = 6000;
/** The pages a copy is kept of: the app's, not forms' answers or files. */
const KEPT_PAGES = /^\/(?:$|rooms\/|threads$|directory$|search$|settings$)/;
/** Static files the shell uses besides the bundle (routes/… and static/). */
const STATIC_FILES = new Set([
  "/favicon.svg",
  "/favicon-mention.svg",
  "/icons.svg",
  "/manifest.webmanifest",
  "/icons/icon-192.png",
  "/icons/icon-512.png",
  "/icons/maskable-512.png",
]);
/** Requests after which the pages cache belongs to someone else, or to nobody. */
const SIGN_IN_OR_OUT = /^\/(?:login|logout|register|api\/auth\/(?:login|logout|register))$/;

/**
 * The bundle's files, named at the top of the script by the server (routes/sw.ts):
 * fetched at install, so that offline a page's lazily loaded parts (the actions
 * toolbar, the thread panel…) are there even if it never loaded them online. A
 * file that fails stays out and is fetched when first used: push must not wait
 * for it. Against a worker served without the list (an older server), nothing.
 */
const BUNDLE_FILES = typeof BUNDLE === "undefined" ? [] : BUNDLE;

lifecycle.install.push(async () => {
  const cache = await caches.open(STATIC_CACHE);
  await Promise.all(BUNDLE_FILES.map(async (path) => {
    if (!(await cache.match(path))) await cache.add(path).catch(() => {});
  }));
});

// Older builds' files stay until STATIC_KEPT pushes them out (oldest first): a tab
// opened before a deploy still loads its own chunks, which the server no longer has.
lifecycle.activate.push(async () => {
  for (const name of await caches.keys()) if (!CACHES.has(name)) await caches.delete(name);
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && SIGN_IN_OR_OUT.test(url.pathname)) {
    event.waitUntil(caches.delete(PAGES_CACHE));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate" && KEPT_PAGES.test(url.pathname)) {
    event.respondWith(pageOrCopy(event));
  } else if (url.pathname.startsWith("/_islands/") || STATIC_FILES.has(url.pathname)) {
    event.respondWith(staticFile(event));
  }
});

/** The page from the network (a copy kept), else the copy, else the offline page. */
async function pageOrCopy(event) {
  const request = event.request;
  const network = fetch(request).then(async (response) => {
    if (response.redirected && new URL(response.url).pathname === "/login") {
      await caches.delete(PAGES_CACHE);
    } else if (
      response.ok && !response.redirected &&
      (response.headers.get("content-type") ?? "").startsWith("text/html")
    ) {
      event.waitUntil(keep(PAGES_CACHE, request, response.clone(), PAGES_KEPT));
    }
    return response;
  });
  const cache = await caches.open(PAGES_CACHE);
  const copy = await cache.match(request) ?? await cache.match(request, { ignoreSearch: true });
  if (!copy) return await network.catch(() => offlinePage());
  let timer;
  const slow = new Promise((resolve) => timer = setTimeout(resolve, PAGE_WAIT_MS));
  try {
    const first = await Promise.race([network.catch(() => undefined), slow]);
    return first ?? await withBanner(copy);
  } finally {
    clearTimeout(timer);
  }
}

/** Cache first; a miss is fetched and kept. Revalidating is the server's (ETag). */
async function staticFile(event) {
  const cache = await caches.open(STATIC_CACHE);
  const cached = await cache.match(event.request);
  const hashed = new URL(event.request.url).pathname.startsWith("/_islands/");
  const fresh = fetch(event.request).then((response) => {
    if (response.ok) {
      event.waitUntil(keep(STATIC_CACHE, event.request, response.clone(), STATIC_KEPT));
    }
    return response;
  });
  if (cached) {
    // A bundle file never changes; a static file is refreshed for next time.
    if (!hashed) event.waitUntil(fresh.catch(() => {}));
    return cached;
  }
  return await fresh;
}

/** Stores a response, then drops the oldest beyond `kept` (keys come in insertion order). */
async function keep(name, request, response, kept) {
  const cache = await caches.open(name);
  await cache.delete(request);
  await cache.put(request, response);
  const keys = await cache.keys();
  for (const old of keys.slice(0, Math.max(0, keys.length - kept))) await cache.delete(old);
}

/**
 * The copy of a page under a banner: "offline, as it was at …". The page's own CSP
 * names a nonce; the banner's style carries it. `<html data-offline-copy>` tells
 * the page's scripts (the composer keeps what is typed for later).
 */
async function withBanner(copy) {
  const html = await copy.text();
  const nonce = /'nonce-([^']+)'/.exec(copy.headers.get("content-security-policy") ?? "")?.[1];
  const at = new Date(copy.headers.get("date") ?? Date.now());
  const when = at.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  const style = nonce
    ? `<style nonce="${nonce}">#offline-copy{position:sticky;top:0;z-index:60;padding:.5rem 1rem;` +
      `background:#fef3c7;color:#78350f;border-bottom:1px solid #f59e0b;font:500 .875rem/1.4 ` +
      `system-ui,sans-serif;text-align:center}@media (prefers-color-scheme:dark){#offline-copy{` +
      `background:#451a03;color:#fde68a;border-color:#b45309}}</style>`
    : "";
  const banner = `${style}<div id="offline-copy" role="status">You are offline. This copy of ` +
    `the page is from ${escapeHtml(when)}; it will update when you are back online.</div>`;
  const body = html
    .replace(/<html([^>]*)>/, "<html$1 data-offline-copy>")
    .replace(/<body([^>]*)>/, (tag) => tag + banner);
  const headers = new Headers(copy.headers);
  headers.delete("content-length");
  headers.delete("content-encoding");
  headers.set("x-offline-copy", "1");
  return new Response(body, { status: 200, headers });
}

/** A page never opened on this device, while offline. */
function offlinePage() {
  const body = '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<meta name="color-scheme" content="light dark"><title>Offline · Deno Chat</title>' +
    "<style>body{font:1rem/1.5 system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem}" +
    "a{color:#4f46e5}</style></head><body><main><h1>You are offline</h1><p>This page was not " +
    "opened on this device before, so there is no copy of it to show. It will load when you " +
    'are back online.</p><p><a href="/">Your rooms</a> (if you opened them before)</p>' +
    "</main></body></html>";
  return new Response(body, {
    status: 503,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
      "x-offline-copy": "1",
    },
  });
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
