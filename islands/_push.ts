/**
 * Browser side of Web Push (docs/api.md, "Notifications"), for the web UI: whether
 * this browser can, turning notifications on and off, and what state they are in.
 * No Preact: plain functions over the Push API, each tree-shaken on its own.
 *
 * `enablePush` asks for the Notification permission, which browsers grant only
 * during a user's click: call it from a click handler, never on load. It registers
 * /sw.js (lib/push/sw_source.js, scope "/"), subscribes with the server's VAPID key
 * and hands the subscription to the server, which pushes to it while this user
 * has no tab open. Failures of the network or the server are thrown (an Error
 * with the server's message); a refused permission is an answer, not an error.
 */

import { decodeBase64Url, encodeBase64Url } from "../lib/push/base64url.ts";

const SUBSCRIPTIONS = "/api/push/subscriptions";

/** Whether this browser can receive Web Push here (a secure context with the APIs). */
export function pushSupported(): boolean {
  return typeof navigator !== "undefined" && "serviceWorker" in navigator &&
    typeof PushManager !== "undefined" && typeof Notification !== "undefined" &&
    globalThis.isSecureContext === true;
}

/** Turns notifications on for this browser (from a click). */
export async function enablePush(
  options: { previews: boolean },
): Promise<"enabled" | "denied" | "unsupported"> {
  if (!pushSupported()) return "unsupported";
  if (await Notification.requestPermission() !== "granted") return "denied";
  await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  // subscribe() needs an active worker; `ready` waits for it.
  const registration = await navigator.serviceWorker.ready;
  const { publicKey } = await api<{ publicKey: string }>("GET", "/api/push/key");
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && keyOf(subscription) !== publicKey) {
    // Made against another server key (the server's KV was reset): useless now.
    await subscription.unsubscribe();
    subscription = null;
  }
  subscription ??= await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: decodeBase64Url(publicKey),
  });
  await api("POST", SUBSCRIPTIONS, { ...subscription.toJSON(), previews: options.previews });
  return "enabled";
}

/** Turns notifications off for this browser: the server forgets it, then the browser. */
export async function disablePush(): Promise<void> {
  if (!pushSupported()) return;
  const subscription = await currentSubscription();
  if (!subscription) return;
  try {
    await api("DELETE", SUBSCRIPTIONS, { endpoint: subscription.endpoint });
  } finally {
    // Even when the server could not be told: its next push is answered 410 and
    // it deletes the subscription then.
    await subscription.unsubscribe();
  }
}

/**
 * "enabled" when this browser is subscribed and the server has that subscription
 * as mine (not someone's who used this browser before); "denied" when the user
 * blocked notifications for this site.
 */
export async function pushState(): Promise<"enabled" | "disabled" | "denied" | "unsupported"> {
  if (!pushSupported()) return "unsupported";
  if (Notification.permission === "denied") return "denied";
  if (Notification.permission !== "granted") return "disabled";
  const subscription = await currentSubscription();
  if (!subscription) return "disabled";
  try {
    const { subscriptions } = await api<{ subscriptions: Array<{ endpoint: string }> }>(
      "GET",
      SUBSCRIPTIONS,
    );
    return subscriptions.some((s) => s.endpoint === subscription.endpoint) ? "enabled" : "disabled";
  } catch {
    return "enabled"; // offline: this browser's own state is the best answer
  }
}

async function currentSubscription(): Promise<PushSubscription | null> {
  const registration = await navigator.serviceWorker.getRegistration("/");
  return await registration?.pushManager.getSubscription() ?? null;
}

function keyOf(subscription: PushSubscription): string | undefined {
  const key = subscription.options.applicationServerKey;
  return key ? encodeBase64Url(new Uint8Array(key)) : undefined;
}

async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? undefined : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) {
    const error = await res.json().then((b) => b?.error?.message, () => undefined);
    throw new Error(error ?? `${method} ${path} answered ${res.status}`);
  }
  return (res.status === 204 ? undefined : await res.json()) as T;
}
