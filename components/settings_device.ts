/**
 * A session's device as people say it ("Firefox on Windows", "Safari on iPhone"),
 * from the `User-Agent` it signed in with. A guess from a string the client chose:
 * good for recognising one's own devices, never for deciding anything.
 */

/** Browsers and tools, most specific first (Edge and Opera say "Chrome" too). */
const CLIENTS: Array<[RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\//, "Edge"],
  [/\b(?:OPR|Opera)\//, "Opera"],
  [/\bSamsungBrowser\//, "Samsung Internet"],
  [/\b(?:Firefox|FxiOS)\//, "Firefox"],
  [/\bHeadlessChrome\//, "Headless Chrome"],
  [/\b(?:Chrome|CriOS)\//, "Chrome"],
  [/\bChromium\//, "Chromium"],
  [/\bVersion\/[\d.]+.*\bSafari\//, "Safari"],
  [/^Deno\//, "Deno"],
  [/^curl\//, "curl"],
  [/^node\b|^undici\b/i, "Node.js"],
];

/** Systems, most specific first (iPhones say "like Mac OS X", Android says "Linux"). */
const SYSTEMS: Array<[RegExp, string]> = [
  [/\biPhone\b/, "iPhone"],
  [/\biPad\b/, "iPad"],
  [/\bAndroid\b/, "Android"],
  [/\bCrOS\b/, "ChromeOS"],
  [/\bWindows\b/, "Windows"],
  [/\bMac OS X\b|\bMacintosh\b/, "macOS"],
  [/\bLinux\b/, "Linux"],
];

/** The longest summary shown for a client we do not know (its first product token). */
const UNKNOWN_MAX = 40;

/** "Chrome on Linux", "Deno", or "Unknown device" without a User-Agent. */
export function describeDevice(userAgent: string | undefined): string {
  const agent = userAgent?.trim();
  if (!agent) return "Unknown device";
  const client = CLIENTS.find(([pattern]) => pattern.test(agent))?.[1] ??
    agent.split(/[\s/]/)[0].slice(0, UNKNOWN_MAX);
  const system = SYSTEMS.find(([pattern]) => pattern.test(agent))?.[1];
  return system ? `${client} on ${system}` : client;
}
