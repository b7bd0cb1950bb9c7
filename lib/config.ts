/**
 * @module Server configuration from environment variables, with safe defaults.
 * Every variable is documented in the README's "Configuration" section.
 */

import { type KvLatency, parseKvLatency } from "./store/kv_latency.ts";

export interface Config {
  port: number;
  hostname: string;
  /** A file path, `:memory:`, a KV Connect URL (https://…), or "" for the platform default. */
  kvPath: string;
  /** Origins allowed for cookie-authenticated unsafe requests and upgrades. */
  allowedOrigins: string[];
  /** BroadcastChannel fast path between isolates (KV alone when false). */
  busFastPath: boolean;
  /**
   * One isolate commits each room's sends when a process runs several on one store
   * file (ROOM_WRITE_ROUTING, default true; lib/chat/_room_router.ts).
   */
  roomWriteRouting: boolean;
  /**
   * The bench's stand-in for a remote KV (`KV_SIMULATED_LATENCY=read=7,commit=7,watch=7`,
   * lib/store/kv_latency.ts): every KV call that many ms late. Unset in production.
   */
  kvLatency?: KvLatency;
  /** Mark cookies Secure (https). Inferred from allowed origins when unset. */
  secureCookies: boolean;
  sessionIdleMs: number;
  sessionMaxMs: number;
  logLevel: "debug" | "info" | "warn" | "error";
  /** Messages a user may send per 10 s window (per isolate) before `rate_limited`. */
  sendRateBurst: number;
  /** Steady messages per second a user may send. */
  sendRatePerSec: number;
  /** Open sockets one user may hold (per isolate). */
  maxSocketsPerUser: number;
  /** How long a user stays shown online after their last socket closed. */
  presenceGraceMs: number;
  /** Rooms with more of this isolate's sockets than this get presence once per interval. */
  presenceBigRoom: number;
  /** That interval (lib/realtime/presence_fanout.ts). */
  presenceFlushMs: number;
  /**
   * Seconds a WebSocket may stay silent (no frame, no pong) before it is dropped; the
   * server pings after half of it. A socket whose unsent data makes no progress for
   * as long is dropped too. 0 turns both checks off.
   */
  idleTimeoutS: number;
  /**
   * The share of one core, in percent, that password hashing may take while the
   * server is busy delivering messages (HASH_CPU_PERCENT, default 10); while it is
   * quiet, hashing takes a whole core. See lib/auth/passwords.ts.
   */
  hashCpuPercent: number;
  /** v2 files: the largest upload in bytes (MAX_UPLOAD_MB, default 25). */
  maxUploadBytes: number;
  /** Bytes one user may upload per UTC day (UPLOAD_QUOTA_MB_PER_DAY, default 1000). */
  uploadQuotaBytes: number;
  /**
   * An origin of its own for file bytes (FILES_ORIGIN, e.g. https://files.example.com,
   * served by this same server): `file.url` then redirects there with a short-lived
   * signed address. "" (the default) serves files from the app's origin.
   */
  filesOrigin: string;
  /**
   * Web Push may deliver to push services on loopback or private addresses
   * (PUSH_ALLOW_PRIVATE, default false: production refuses them, so push cannot be
   * aimed into the server's own network). Tests and a local push service set it.
   */
  pushAllowPrivate: boolean;
  /** The VAPID subject push services may contact (PUSH_SUBJECT, a mailto: or https: URL). */
  pushSubject: string;
  /**
   * Who may register (REGISTRATION): "open" (anyone, the default), "invite" (with an
   * invite code from the server's admin) or "closed". The first account, the
   * server's admin, may always register.
   */
  registration: "open" | "invite" | "closed";
}

/** The permissions the server runs with (`deno task start`); supervisors pass them on. */
export const SERVER_PERMISSIONS = [
  "--unstable-kv",
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-sys",
];

function int(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`Invalid configuration: ${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

function bool(env: Record<string, string | undefined>, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === "") return fallback;
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  throw new Error(`Invalid configuration: ${name} must be true or false, got "${raw}"`);
}

function percent(value: number, name: string): number {
  if (value < 1 || value > 100) {
    throw new Error(`Invalid configuration: ${name} must be 1–100, got ${value}`);
  }
  return value;
}

function positive(value: number, name: string): number {
  if (value < 1) throw new Error(`Invalid configuration: ${name} must be at least 1, got ${value}`);
  return value;
}

function originOf(env: Record<string, string | undefined>, name: string): string {
  const raw = env[name]?.trim();
  if (!raw) return "";
  try {
    const url = new URL(raw);
    if (url.protocol === "http:" || url.protocol === "https:") return url.origin;
  } catch {
    // reported below
  }
  throw new Error(`Invalid configuration: ${name} must be an http(s) origin, got "${raw}"`);
}

/** Reads the configuration; throws with a clear message on a malformed value. */
export function loadConfig(env: Record<string, string | undefined> = Deno.env.toObject()): Config {
  const port = int(env, "PORT", 8000);
  const hostname = env.HOSTNAME || "0.0.0.0";
  const allowedOrigins = (env.ALLOWED_ORIGINS ?? "").split(",").map((o) => o.trim()).filter(
    Boolean,
  ).map((origin) => {
    try {
      return new URL(origin).origin;
    } catch {
      throw new Error(`Invalid configuration: ALLOWED_ORIGINS has a bad origin "${origin}"`);
    }
  });
  const level = env.LOG_LEVEL ?? "info";
  if (!["debug", "info", "warn", "error"].includes(level)) {
    throw new Error(`Invalid configuration: LOG_LEVEL must be debug, info, warn or error`);
  }
  return {
    port,
    hostname,
    // On Deno Deploy, the managed KV is Deno.openKv()'s default (the empty path).
    kvPath: env.KV_PATH ?? (env.DENO_DEPLOYMENT_ID ? "" : "./data/chat.db"),
    allowedOrigins,
    busFastPath: bool(env, "BUS_FAST_PATH", true),
    roomWriteRouting: bool(env, "ROOM_WRITE_ROUTING", true),
    kvLatency: env.KV_SIMULATED_LATENCY ? parseKvLatency(env.KV_SIMULATED_LATENCY) : undefined,
    secureCookies: bool(
      env,
      "SECURE_COOKIES",
      allowedOrigins.length > 0 && allowedOrigins.every((o) => o.startsWith("https:")),
    ),
    sessionIdleMs: int(env, "SESSION_IDLE_HOURS", 24 * 7) * 3600_000,
    sessionMaxMs: int(env, "SESSION_MAX_DAYS", 30) * 24 * 3600_000,
    logLevel: level as Config["logLevel"],
    sendRateBurst: int(env, "SEND_RATE_BURST", 30),
    sendRatePerSec: int(env, "SEND_RATE_PER_SEC", 10),
    maxSocketsPerUser: int(env, "MAX_SOCKETS_PER_USER", 20),
    presenceGraceMs: int(env, "PRESENCE_GRACE_MS", 5_000),
    presenceBigRoom: positive(int(env, "PRESENCE_BIG_ROOM", 200), "PRESENCE_BIG_ROOM"),
    presenceFlushMs: positive(int(env, "PRESENCE_FLUSH_MS", 1_000), "PRESENCE_FLUSH_MS"),
    idleTimeoutS: int(env, "IDLE_TIMEOUT_S", 20),
    hashCpuPercent: percent(int(env, "HASH_CPU_PERCENT", 10), "HASH_CPU_PERCENT"),
    maxUploadBytes: positive(int(env, "MAX_UPLOAD_MB", 25), "MAX_UPLOAD_MB") * 1024 * 1024,
    uploadQuotaBytes: int(env, "UPLOAD_QUOTA_MB_PER_DAY", 1000) * 1024 * 1024,
    filesOrigin: originOf(env, "FILES_ORIGIN"),
    pushAllowPrivate: bool(env, "PUSH_ALLOW_PRIVATE", false),
    pushSubject: pushSubjectOf(env.PUSH_SUBJECT, allowedOrigins),
    registration: registrationOf(env.REGISTRATION),
  };
}

function registrationOf(raw: string | undefined): Config["registration"] {
  const value = (raw ?? "").trim().toLowerCase() || "open";
  if (value !== "open" && value !== "invite" && value !== "closed") {
    throw new Error(
      `Invalid configuration: REGISTRATION must be open, invite or closed, got "${raw}"`,
    );
  }
  return value;
}

/** PUSH_SUBJECT, or the server's first allowed origin, or a placeholder contact. */
function pushSubjectOf(raw: string | undefined, origins: string[]): string {
  if (raw) {
    if (!/^(mailto:|https:\/\/)/.test(raw)) {
      throw new Error("Invalid configuration: PUSH_SUBJECT must be a mailto: or https: URL");
    }
    return raw;
  }
  return origins.find((o) => o.startsWith("https:")) ?? "mailto:admin@localhost";
}
