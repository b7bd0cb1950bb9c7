/**
 * @module Reading what a request carries: a size-capped JSON body, the session
 * token (bearer header or cookie), and whether its Origin is our own.
 */

import { BadRequestError, PayloadTooLargeError } from "../errors.ts";
import { HTTP_BODY_MAX } from "../protocol/limits.ts";

export const SESSION_COOKIE = "chat_session";

/** Reads the body as a JSON object, refusing more than 64 KiB without buffering it all. */
export async function readJsonBody(req: Request): Promise<Record<string, unknown>> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > HTTP_BODY_MAX) throw tooLarge();
  const text = await readCapped(req);
  let data: unknown;
  try {
    data = text.length ? JSON.parse(text) : {};
  } catch {
    throw new BadRequestError("Body is not valid JSON");
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new BadRequestError("Body must be a JSON object");
  }
  return data as Record<string, unknown>;
}

/** Reads an HTML form post (`application/x-www-form-urlencoded`), capped like JSON bodies. */
export async function readFormBody(req: Request): Promise<URLSearchParams> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > HTTP_BODY_MAX) throw tooLarge();
  if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers.get("content-type") ?? "")) {
    throw new BadRequestError("Expected a form submission: application/x-www-form-urlencoded");
  }
  return new URLSearchParams(await readCapped(req));
}

function tooLarge(): PayloadTooLargeError {
  return new PayloadTooLargeError(`Body is too large: the limit is ${HTTP_BODY_MAX} bytes`);
}

async function readCapped(req: Request): Promise<string> {
  if (!req.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > HTTP_BODY_MAX) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new BadRequestError("Body is not valid UTF-8");
  }
}

export interface Credential {
  token: string;
  via: "bearer" | "cookie";
}

/** The bearer token if there is one, else the session cookie. */
export function credentialOf(req: Request): Credential | undefined {
  const header = req.headers.get("authorization");
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match ? { token: match[1], via: "bearer" } : undefined;
  }
  const cookie = req.headers.get("cookie");
  if (!cookie) return undefined;
  for (const part of cookie.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === SESSION_COOKIE) return { token: rest.join("="), via: "cookie" };
  }
  return undefined;
}

/**
 * True when a cookie-authenticated request comes from our own pages: its Origin is
 * the server's own or an allowed one. Without Origin, only a same-origin
 * `Sec-Fetch-Site` passes.
 */
export function isOwnOrigin(req: Request, allowed: string[]): boolean {
  const origin = req.headers.get("origin");
  if (!origin) return req.headers.get("sec-fetch-site") === "same-origin";
  if (allowed.includes(origin)) return true;
  const host = req.headers.get("host");
  if (!host) return false;
  try {
    const url = new URL(origin);
    return url.host === host && (url.protocol === "http:" || url.protocol === "https:");
  } catch {
    return false;
  }
}

export function sessionCookie(
  token: string,
  options: { secure: boolean; maxAgeS: number },
): string {
  const parts = [
    `${SESSION_COOKIE}=${token}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${options.maxAgeS}`,
  ];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure ? "; Secure" : ""}`;
}
