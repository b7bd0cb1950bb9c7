/**
 * The chat's service worker, served as /sw.js (routes/sw.ts) with scope "/".
 *
 * Today it does Web Push: a push from the server (lib/push/service.ts) becomes a
 * notification, and clicking it brings the conversation up. Each concern is a
 * section of listeners of its own; offline caching will be one more (its `fetch`
 * listener, and its cache work in `install` and `activate`, added through the
 * `lifecycle` lists below).
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
