/**
 * @module Web Push (docs/api.md, "Notifications"): the subscriptions browsers
 * register, and the notifications sent to them while their user has no socket
 * open. A push is a POST to the subscription's endpoint at the browser vendor's
 * push service: the JSON payload encrypted to the subscription (RFC 8291,
 * lib/push/encrypt.ts), signed with the server's VAPID key (RFC 8292,
 * lib/push/vapid.ts, lib/push/keys.ts), to an endpoint checked against reaching
 * into the server's own network (lib/push/endpoint.ts) when subscribed and again
 * when sent.
 *
 * | key                            | value                                            |
 * | ------------------------------ | ------------------------------------------------ |
 * | ["push_vapid"]                 | {publicKey, privateJwk, createdAt}: the VAPID    |
 * |                                | key pair, made on first use (lib/push/keys.ts)   |
 * | ["push_sub", userId, id]       | PushSubscriptionRecord {id, endpoint, p256dh,    |
 * |                                | auth, previews, createdAt, updatedAt}            |
 * | ["push_endpoint", id]          | userId: who holds that endpoint (one at a time)  |
 * | ["push_user", userId]          | when the user's list last changed: the guard     |
 * |                                | every change to it checks                        |
 *
 * `id` is the endpoint's SHA-256, base64url, cut to 22 characters (132 bits).
 *
 * What is logged about a push is the subscription's id, the push service's host
 * and its status: never the endpoint's path (a bearer capability), the keys or the
 * payload.
 */

import { BadRequestError } from "../errors.ts";
import { ROOM_NAME_MAX } from "../protocol/limits.ts";
import { errorFields, log } from "../log.ts";
import { decodeBase64Url, encodeBase64Url } from "./base64url.ts";
import { decodeReceiverKeys, encryptPayload, MAX_PLAINTEXT } from "./encrypt.ts";
import { checkEndpoint, MAX_ENDPOINT_LENGTH, parseEndpoint, type Resolver } from "./endpoint.ts";
import { loadVapidKeys } from "./keys.ts";
import { type PushSubscriptionRecord, PushSubscriptionStore } from "./subscriptions.ts";
import { checkSubject, vapidAuthorization, type VapidKeys } from "./vapid.ts";

/** What a notification's push carries (`text` only to subscriptions with previews). */
export interface PushPayload {
  roomId: string;
  roomName: string;
  seq: number;
  reason: "mention" | "direct" | "thread" | "message";
  from: string;
  url: string;
  text?: string;
}

/** A subscription as its owner sees it. */
export interface PushSubscriptionInfo {
  id: string;
  endpoint: string;
  previews: boolean;
  createdAt: number;
}

export interface PushServiceOptions {
  /** Allow endpoints on loopback and private addresses (dev, tests). */
  allowPrivate: boolean;
  /** The VAPID `sub`: `mailto:admin@example.com` or an https: URL. */
  subject: string;
  fetch?: typeof fetch;
  now?: () => number;
  /** Host name resolution for the endpoint checks (tests pin it). */
  resolve?: Resolver;
}

/** How long the push service keeps a message for a browser that is offline (s). */
const TTL_S = 86_400;
/** The longest `text` a payload carries, in characters. */
const TEXT_MAX = 200;
/** How long one delivery may take before it is given up. */
const SEND_TIMEOUT_MS = 10_000;
const ENCODER = new TextEncoder();

export class PushService {
  #store: PushSubscriptionStore;
  #kv: Deno.Kv;
  #allowPrivate: boolean;
  #subject: string;
  #fetch: typeof fetch;
  #now: () => number;
  #resolve?: Resolver;
  #keys?: Promise<VapidKeys>;
  #inflight = new Set<Promise<number>>();
  #closed = false;

  constructor(kv: Deno.Kv, options: PushServiceOptions) {
    this.#kv = kv;
    this.#store = new PushSubscriptionStore(kv);
    this.#allowPrivate = options.allowPrivate;
    this.#subject = checkSubject(options.subject);
    this.#fetch = options.fetch ?? fetch;
    this.#now = options.now ?? Date.now;
    this.#resolve = options.resolve;
  }

  /** The VAPID public key (base64url, uncompressed P-256), for `applicationServerKey`. */
  async publicKey(): Promise<string> {
    return (await this.#vapid()).publicKey;
  }

  /**
   * Registers `{endpoint, keys: {p256dh, auth}, previews?}` (other fields, such as
   * the browser's `expirationTime`, are ignored) for the user. The same endpoint
   * again updates it (`created: false`). Throws BadRequestError on bad input.
   */
  async subscribe(
    userId: string,
    input: unknown,
  ): Promise<{ subscription: PushSubscriptionInfo; created: boolean }> {
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      throw new BadRequestError("Push subscription must be an object: {endpoint, keys}");
    }
    const { endpoint, keys, previews } = input as Record<string, unknown>;
    const options = { allowPrivate: this.#allowPrivate, resolve: this.#resolve };
    parseEndpoint(endpoint, options); // the cheap checks before the keys and DNS
    const { p256dh, auth } = (typeof keys === "object" && keys !== null ? keys : {}) as Keys;
    if (typeof p256dh !== "string" || typeof auth !== "string") {
      throw new BadRequestError('Push subscription needs "keys": {p256dh, auth} (base64url)');
    }
    if (p256dh.length > 100 || auth.length > 100) {
      throw new BadRequestError("Push subscription keys are too long");
    }
    const decoded = decodeReceiverKeys(p256dh, auth);
    if ("error" in decoded) throw new BadRequestError(decoded.error);
    if (previews !== undefined && typeof previews !== "boolean") {
      throw new BadRequestError('Push subscription "previews" must be true or false');
    }
    const url = await checkEndpoint(endpoint, options);
    const { record, created } = await this.#store.put(userId, {
      id: await endpointId(url.href),
      endpoint: url.href,
      p256dh: encodeBase64Url(decoded.p256dh),
      auth: encodeBase64Url(decoded.auth),
      previews: previews ?? false,
    }, this.#now());
    return { subscription: infoOf(record), created };
  }

  /** Removes the user's subscription to `endpoint`, if they have one. */
  async unsubscribe(userId: string, endpoint: unknown): Promise<void> {
    if (typeof endpoint !== "string" || endpoint === "" || endpoint.length > MAX_ENDPOINT_LENGTH) {
      throw new BadRequestError('Push unsubscribe needs the subscription\'s "endpoint"');
    }
    const href = URL.canParse(endpoint) ? new URL(endpoint).href : endpoint;
    await this.#store.remove(userId, await endpointId(href), this.#now());
  }

  /** The user's subscriptions, oldest first. */
  async list(userId: string): Promise<PushSubscriptionInfo[]> {
    return (await this.#store.list(userId)).map(infoOf);
  }

  /**
   * Pushes `payload` to each of the user's subscriptions; answers how many the push
   * services accepted (2xx). A 404 or 410 deletes that subscription. Never throws:
   * failures are logged.
   */
  send(userId: string, payload: PushPayload): Promise<number> {
    if (this.#closed) return Promise.resolve(0);
    const task = this.#sendAll(userId, payload).catch((err) => {
      log.warn("push_send_failed", { user: userId, ...errorFields(err) });
      return 0;
    });
    this.#inflight.add(task);
    task.finally(() => this.#inflight.delete(task));
    return task;
  }

  /** Stops taking sends and waits for those in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#inflight]);
  }

  #vapid(): Promise<VapidKeys> {
    if (!this.#keys) {
      this.#keys = loadVapidKeys(this.#kv, this.#now());
      this.#keys.catch(() => this.#keys = undefined);
    }
    return this.#keys;
  }

  async #sendAll(userId: string, payload: PushPayload): Promise<number> {
    const records = await this.#store.list(userId);
    if (records.length === 0) return 0;
    const keys = await this.#vapid();
    const topic = await topicOf(payload.roomId);
    const accepted = await Promise.all(
      records.map((record) => this.#deliver(userId, record, payload, { keys, topic })),
    );
    return accepted.filter(Boolean).length;
  }

  async #deliver(
    userId: string,
    record: PushSubscriptionRecord,
    payload: PushPayload,
    { keys, topic }: { keys: VapidKeys; topic: string },
  ): Promise<boolean> {
    const subscription = record.id;
    let url: URL;
    try {
      url = await checkEndpoint(record.endpoint, {
        allowPrivate: this.#allowPrivate,
        resolve: this.#resolve,
      });
    } catch {
      log.warn("push_endpoint_refused", { subscription, host: hostOf(record.endpoint) });
      return false;
    }
    const host = url.host;
    let json: string;
    try {
      json = payloadJson(payload, record.previews);
    } catch {
      log.warn("push_payload_too_large", { subscription, room: payload.roomId });
      return false;
    }
    try {
      const body = await encryptPayload(ENCODER.encode(json), {
        p256dh: decodeBase64Url(record.p256dh)!,
        auth: decodeBase64Url(record.auth)!,
      });
      const res = await this.#fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/octet-stream",
          "content-encoding": "aes128gcm",
          ttl: String(TTL_S),
          urgency: payload.reason === "mention" || payload.reason === "direct" ? "high" : "normal",
          topic,
          authorization: await vapidAuthorization(url, keys, {
            subject: this.#subject,
            now: this.#now(),
          }),
        },
        body,
        // A redirect could point anywhere, the server's own network included.
        redirect: "manual",
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (res.ok) return true;
      if (res.status === 404 || res.status === 410) {
        await this.#store.remove(userId, subscription, this.#now());
        log.info("push_subscription_gone", { subscription, host, status: res.status });
      } else {
        log.warn("push_rejected", { subscription, host, status: res.status });
      }
    } catch (err) {
      // Only the name: a fetch error's message holds the whole endpoint URL.
      log.warn("push_failed", { subscription, host, error: (err as Error)?.name ?? "Error" });
    }
    return false;
  }
}

interface Keys {
  p256dh: unknown;
  auth: unknown;
}

/**
 * The payload as JSON for one subscription: `text` (its first 200 characters) only
 * with previews, the room name at most as long as a room name may be. Should the
 * JSON still pass what one push message carries, the text and then the room name
 * are shortened to fit.
 */
export function payloadJson(payload: PushPayload, previews: boolean): string {
  const { roomId, seq, reason, from, url } = payload;
  const make = (roomName: string, text: string | undefined) =>
    JSON.stringify({ roomId, roomName, seq, reason, from, url, ...(text ? { text } : {}) });
  const fits = (json: string) => ENCODER.encode(json).byteLength <= MAX_PLAINTEXT;
  let roomName = cut(payload.roomName, ROOM_NAME_MAX);
  let text = previews && payload.text ? cut(payload.text, TEXT_MAX) : undefined;
  if (text && !fits(make(roomName, text))) {
    text = longestFitting(text, (t) => fits(make(roomName, t)));
  }
  if (!fits(make(roomName, text))) roomName = longestFitting(roomName, (r) => fits(make(r, text)));
  const json = make(roomName, text);
  if (!fits(json)) throw new RangeError("Push payload does not fit one push message");
  return json;
}

/** The first `max` characters (code points: a surrogate pair is never split). */
function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length > max ? chars.slice(0, max).join("") : text;
}

/** The longest start of `text` (in code points) that `ok` accepts ("" at worst). */
function longestFitting(text: string, ok: (candidate: string) => boolean): string {
  const chars = Array.from(text);
  let low = 0;
  let high = chars.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (ok(chars.slice(0, mid).join(""))) low = mid;
    else high = mid - 1;
  }
  return chars.slice(0, low).join("");
}

/** The subscription id for an endpoint: SHA-256, base64url, 22 characters. */
export async function endpointId(endpoint: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", ENCODER.encode(endpoint));
  return encodeBase64Url(new Uint8Array(digest)).slice(0, 22);
}

/**
 * The `Topic` for a room's pushes (RFC 8030 §5.4: at most 32 base64url characters):
 * a push service keeps only the newest undelivered message of a topic. A hash, so
 * the push service does not learn the room's id.
 */
async function topicOf(roomId: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", ENCODER.encode(`room:${roomId}`));
  return encodeBase64Url(new Uint8Array(digest)).slice(0, 32);
}

function infoOf(record: PushSubscriptionRecord): PushSubscriptionInfo {
  return {
    id: record.id,
    endpoint: record.endpoint,
    previews: record.previews,
    createdAt: record.createdAt,
  };
}

function hostOf(endpoint: string): string {
  return URL.canParse(endpoint) ? new URL(endpoint).host : "";
}
