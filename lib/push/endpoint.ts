/**
 * @module Which push endpoints the server will POST to. An endpoint comes from the
 * browser, that is from anyone with an account, and the server then sends requests
 * to it: without a check, "subscribe" would let a user make the server reach into
 * its own network (SSRF: a metadata service, an admin port on 10.x). So an endpoint
 * is an `https:` URL of at most 2048 characters whose host is a public address, or
 * a name all of whose addresses (A and AAAA) are public. `allowPrivate` (dev and
 * tests, `PUSH_ALLOW_PRIVATE=1`) lifts the address rule only.
 *
 * The service checks again right before each delivery, so a name that resolved to a
 * public address when subscribed and to 10.0.0.1 now (DNS rebinding) is not sent
 * to. `fetch` resolves once more after that check; what could slip through that
 * gap is only a TLS handshake: the request itself needs a certificate valid for
 * the endpoint's name, which no internal host has for the attacker's domain.
 */

import { BadRequestError } from "../errors.ts";

export const MAX_ENDPOINT_LENGTH = 2048;

/** Addresses of a name (A and AAAA records); an empty list when it has none. */
export type Resolver = (hostname: string) => Promise<string[]>;

export interface EndpointOptions {
  /** Allow loopback, private and other non-public hosts (dev and tests). */
  allowPrivate: boolean;
  /** Resolves host names; defaults to {@linkcode resolveAddresses}. */
  resolve?: Resolver;
}

/**
 * Checks an endpoint's form (a string, `https:`, at most 2048 characters, no user
 * name or password) and, unless `allowPrivate`, that its host is not a non-public
 * address literal or a local name. Throws BadRequestError saying why.
 */
export function parseEndpoint(input: unknown, options: EndpointOptions): URL {
  if (typeof input !== "string" || input === "") {
    throw new BadRequestError('Push subscription needs an "endpoint": a URL');
  }
  if (input.length > MAX_ENDPOINT_LENGTH) {
    throw new BadRequestError(
      `Push endpoint is too long: ${input.length} characters, the limit is ${MAX_ENDPOINT_LENGTH}`,
    );
  }
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new BadRequestError("Push endpoint is not a valid URL");
  }
  if (url.protocol !== "https:") {
    throw new BadRequestError(`Push endpoint must be an https: URL, got "${url.protocol}"`);
  }
  if (url.username || url.password) {
    throw new BadRequestError("Push endpoint must not hold a user name or password");
  }
  if (!options.allowPrivate) {
    const host = hostOf(url);
    const literal = isIpLiteral(host);
    if (literal ? !isPublicAddress(host) : isLocalName(host)) throw refused(url);
  }
  return url;
}

/**
 * {@linkcode parseEndpoint}, then, unless `allowPrivate`, resolves a host name and
 * refuses it when it has no address or any address that is not public.
 */
export async function checkEndpoint(input: unknown, options: EndpointOptions): Promise<URL> {
  const url = parseEndpoint(input, options);
  if (options.allowPrivate) return url;
  const host = hostOf(url);
  if (isIpLiteral(host)) return url;
  let addresses: string[];
  try {
    addresses = await (options.resolve ?? resolveAddresses)(host);
  } catch {
    addresses = [];
  }
  if (addresses.length === 0) {
    throw new BadRequestError(`Push endpoint's host does not resolve: "${url.hostname}"`);
  }
  if (!addresses.every(isPublicAddress)) throw refused(url);
  return url;
}

/** A and AAAA records of `hostname` through Deno.resolveDns, 5 s at most. */
export async function resolveAddresses(hostname: string): Promise<string[]> {
  const lookup = (type: "A" | "AAAA") =>
    Deno.resolveDns(hostname, type, { signal: AbortSignal.timeout(5_000) }).catch(
      (err) => {
        // No records of this type is an answer; anything else (timeout, no DNS) fails closed.
        if (err instanceof Deno.errors.NotFound) return [];
        throw err;
      },
    );
  const [v4, v6] = await Promise.all([lookup("A"), lookup("AAAA")]);
  return [...v4, ...v6];
}

function refused(url: URL): BadRequestError {
  return new BadRequestError(
    `Push endpoint is refused: "${url.hostname}" is a loopback, private or otherwise non-public address`,
  );
}

/** The host without IPv6 brackets or a trailing dot, lowercase (URL did that). */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
}

function isIpLiteral(host: string): boolean {
  return parseIpv4(host) !== undefined || parseIpv6(host) !== undefined;
}

/**
 * Names that never mean a public host: localhost and *.localhost (RFC 6761), and
 * single labels (resolved through search domains to hosts of the local network).
 */
function isLocalName(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost") || !host.includes(".");
}

/**
 * Whether an IP address (v4 dotted, or v6) is a public unicast address. Refused:
 * IPv4 0/8, 10/8, 100.64/10 (CGNAT), 127/8, 169.254/16, 172.16/12, 192.0.0/24,
 * 192.0.2/24, 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24, 224/4 (multicast)
 * and 240/4 (reserved, broadcast); IPv6 outside 2000::/3 (::, ::1, fc00::/7,
 * fe80::/10, ff00::/8…), 2001::/32 (Teredo) and 2001:db8::/32; addresses that embed
 * an IPv4 one (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::/96, 2002::/16) are judged by it.
 * Anything that does not parse is not public.
 */
export function isPublicAddress(address: string): boolean {
  const v4 = parseIpv4(address);
  if (v4) return isPublicIpv4(v4);
  const v6 = parseIpv6(address);
  if (!v6) return false;
  const zeros = (from: number, to: number) => v6.slice(from, to).every((b) => b === 0);
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible; :: and ::1 land here too).
  if (zeros(0, 10) && ((v6[10] === 0xff && v6[11] === 0xff) || zeros(10, 12))) {
    return isPublicIpv4(v6.slice(12, 16));
  }
  // 64:ff9b::/96: NAT64 reaches the IPv4 address it carries.
  if (v6[0] === 0 && v6[1] === 0x64 && v6[2] === 0xff && v6[3] === 0x9b && zeros(4, 12)) {
    return isPublicIpv4(v6.slice(12, 16));
  }
  // 2002::/16: 6to4 carries an IPv4 address in its next 32 bits.
  if (v6[0] === 0x20 && v6[1] === 0x02) return isPublicIpv4(v6.slice(2, 6));
  if ((v6[0] & 0xe0) !== 0x20) return false; // outside 2000::/3, the global unicast space
  if (v6[0] === 0x20 && v6[1] === 0x01 && v6[2] === 0 && v6[3] === 0) return false; // Teredo
  if (v6[0] === 0x20 && v6[1] === 0x01 && v6[2] === 0x0d && v6[3] === 0xb8) return false;
  return true;
}

function isPublicIpv4([a, b, c]: number[]): boolean {
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
  if (a === 100 && (b & 0xc0) === 64) return false;
  if (a === 169 && b === 254) return false;
  if (a === 172 && (b & 0xf0) === 16) return false;
  if (a === 192 && b === 168) return false;
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false;
  if (a === 198 && (b & 0xfe) === 18) return false;
  if (a === 198 && b === 51 && c === 100) return false;
  if (a === 203 && b === 0 && c === 113) return false;
  return true;
}

/** Four bytes of a dotted-decimal IPv4 address (as URL and DNS answers write it). */
function parseIpv4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) ? Number(p) : NaN);
  return bytes.every((b) => b <= 255) ? bytes : undefined;
}

/** Sixteen bytes of an IPv6 address (with `::`, a trailing IPv4 part, no zone). */
function parseIpv6(text: string): number[] | undefined {
  if (!text.includes(":") || text.includes("%")) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  // A trailing IPv4 part may end the address only: the last half.
  const groupsOf = (half: string, last: boolean): number[] | undefined => {
    if (half === "") return [];
    const out: number[] = [];
    const pieces = half.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      if (last && i === pieces.length - 1 && piece.includes(".")) {
        const v4 = parseIpv4(piece);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-f]{1,4}$/i.test(piece)) {
        out.push(parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groupsOf(halves[0], halves.length === 1);
  const tail = halves.length === 2 ? groupsOf(halves[1], true) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}
