/**
 * @module `deno task budget`: the web app's budgets, measured on the real server
 * code in this process (in-memory KV, no network):
 *
 * - JavaScript shipped to a room page: every file the page preloads or imports,
 *   gzipped as served (limit 35 KB), plus the inline boot script;
 * - JavaScript on the login and register pages (limit 0);
 * - the server's time to answer a room page with 50 messages (session check,
 *   KV reads, Preact render, CSS, brotli as a browser asks), median and p95 over
 *   many requests;
 * - bytes on the wire per page (HTML), plain, gzip and brotli, as served, and the
 *   JavaScript each page loads (gzip); the chunks loaded on first use, each apart.
 *
 *   deno task budget            prints a table; exits 1 when a budget is broken
 *   deno task budget --json     the same as JSON (for bench/ and CI)
 *   --runs=N                    timed requests (default 300)
 *
 * The bench suite can call {@linkcode measureWebBudget} directly.
 */

import { loadConfig } from "../lib/config.ts";
import { createChatServer } from "../lib/server.ts";
import { loadIslands } from "../lib/islands/assets.ts";

export const ROOM_PAGE_JS_LIMIT = 35 * 1024;

/**
 * Lazily loaded, but fetched by every room page right after it hydrates (not on
 * first use): the room header and the member list (the server's markup stands
 * until they are here) and the outbox (it must be in the cache before the network
 * goes). Reported beside the budget, not in it.
 */
const AFTER_LOAD = ["islands/_room_header.tsx", "islands/_members.tsx", "islands/_outbox.ts"];

export interface WebBudget {
  roomPage: {
    /** Files under /_islands/ the page loads, with their sizes as served. */
    files: Array<{ file: string; bytes: number; gzipBytes: number }>;
    totalBytes: number;
    totalGzipBytes: number;
    /** The inline module script that imports and boots the islands. */
    inlineBootBytes: number;
    htmlBytes: number;
    htmlGzipBytes: number;
  };
  loginPageJsBytes: number;
  registerPageJsBytes: number;
  render: { messages: number; runs: number; medianMs: number; p95Ms: number; minMs: number };
  /**
   * Each page's HTML as served: plain, and with `accept-encoding` gzip and br; and
   * the JavaScript it loads before anyone touches it (files gzip + inline scripts).
   */
  wire: Array<{ page: string; plain: number; gzip: number; br: number; jsGzip: number }>;
  /** The chunks not loaded with the page, gzip each; `afterLoad`: fetched right after it. */
  lazy: Array<{ file: string; gzipBytes: number; afterLoad: boolean }>;
  limits: { roomPageJsGzipBytes: number };
  ok: boolean;
}

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([new Uint8Array(bytes)]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** Bytes of JavaScript a page ships: inline scripts and every script file it names. */
function scriptFiles(html: string): string[] {
  const files = new Set<string>();
  for (const m of html.matchAll(/<link rel="modulepreload" href="([^"]+)"/g)) files.add(m[1]);
  for (const m of html.matchAll(/(?:from|import)\s*"(\/_islands\/[^"]+)"/g)) files.add(m[1]);
  for (const m of html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)) files.add(m[1]);
  return [...files];
}

function inlineScripts(html: string): string[] {
  return [
    ...html.matchAll(/<script(?![^>]*\bsrc=)(?![^>]*application\/json)[^>]*>([^<]*)<\/script>/g),
  ]
    .map((m) => m[1]);
}

/** Starts the server in this process, seeds a room with 50 messages and measures. */
export async function measureWebBudget(options: { runs?: number } = {}): Promise<WebBudget> {
  const runs = options.runs ?? 300;
  const config = loadConfig({ KV_PATH: ":memory:", LOG_LEVEL: "error", SEND_RATE_BURST: "1000" });
  const server = await createChatServer(config);
  const base = "http://budget.local";
  const call = async (path: string, init: RequestInit = {}, encoding = "gzip") => {
    const headers = new Headers(init.headers);
    headers.set("origin", base);
    headers.set("accept-encoding", encoding);
    return await server.fetch(new Request(base + path, { ...init, headers }));
  };
  try {
    const registered = await call("/api/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "budget", password: "correct horse battery" }),
    });
    const { token } = await registered.json();
    const auth = { authorization: `Bearer ${token}` };
    const cookie = { cookie: `chat_session=${token}` };
    const created = await call("/api/rooms", {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ name: "budget", topic: "Fifty messages" }),
    });
    const { room } = await created.json();
    const messages = 50;
    for (let i = 1; i <= messages; i++) {
      const sent = await call(`/api/rooms/${room.id}/messages`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({
          text: `Message ${i}: see https://example.com/${i} — ${"lorem ipsum ".repeat(i % 7)}`,
        }),
      });
      await sent.body?.cancel();
    }

    const page = await call(`/rooms/${room.id}`, { headers: cookie }, "identity");
    if (page.status !== 200) throw new Error(`Room page answered ${page.status}`);
    const roomHtml = await page.text();
    const files = [];
    for (const file of scriptFiles(roomHtml)) {
      const res = await call(file);
      const gzipped = res.headers.get("content-encoding") === "gzip";
      const body = new Uint8Array(await res.arrayBuffer());
      const plain = gzipped
        ? new Uint8Array(
          await new Response(new Blob([body]).stream().pipeThrough(new DecompressionStream("gzip")))
            .arrayBuffer(),
        )
        : body;
      files.push({
        file,
        bytes: plain.byteLength,
        gzipBytes: gzipped ? body.byteLength : await gzipSize(body),
      });
    }
    const inline = inlineScripts(roomHtml).join("");
    const htmlBytes = new TextEncoder().encode(roomHtml);

    /** JavaScript a page loads, gzip as served (inline scripts counted plain). */
    const jsGzipOn = async (path: string, init: RequestInit) => {
      const text = await (await call(path, init, "identity")).text();
      let bytes = inlineScripts(text).join("").length;
      for (const file of scriptFiles(text)) {
        const res = await call(file);
        const body = new Uint8Array(await res.arrayBuffer());
        bytes += res.headers.get("content-encoding") === "gzip"
          ? body.byteLength
          : await gzipSize(body);
      }
      return bytes;
    };

    const wire: WebBudget["wire"] = [];
    const pages: Array<[string, string, RequestInit]> = [
      [`room (${messages} messages)`, `/rooms/${room.id}`, { headers: cookie }],
      ["rooms", "/", { headers: cookie }],
      ["directory", "/directory", { headers: cookie }],
      ["search results", "/search?q=message", { headers: cookie }],
      ["threads", "/threads", { headers: cookie }],
      ["settings", "/settings", { headers: cookie }],
      ["login", "/login", {}],
    ];
    for (const [name, path, init] of pages) {
      const sizes = [];
      for (const encoding of ["identity", "gzip", "br"]) {
        const res = await call(path, init, encoding);
        if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
        sizes.push((await res.arrayBuffer()).byteLength);
      }
      const jsGzip = await jsGzipOn(path, init);
      wire.push({ page: name, plain: sizes[0], gzip: sizes[1], br: sizes[2], jsGzip });
    }
    const islands = await loadIslands();
    const lazy: WebBudget["lazy"] = [];
    for (const [module, name] of Object.entries(islands.manifest.lazy ?? {})) {
      const file = islands.files.get(name);
      if (!file) continue;
      const gzipBytes = await gzipSize(file.body);
      lazy.push({ file: `${module} (${name})`, gzipBytes, afterLoad: AFTER_LOAD.includes(module) });
    }

    // Warm up (caches, JIT), then time full requests, compressed as a browser asks.
    const browser = "gzip, deflate, br, zstd";
    for (let i = 0; i < 20; i++) {
      await (await call(`/rooms/${room.id}`, { headers: cookie }, browser)).arrayBuffer();
    }
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const res = await call(`/rooms/${room.id}`, { headers: cookie }, browser);
      await res.arrayBuffer();
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const round = (ms: number) => Math.round(ms * 100) / 100;

    const totalGzipBytes = files.reduce((sum, f) => sum + f.gzipBytes, 0);
    const result: WebBudget = {
      roomPage: {
        files,
        totalBytes: files.reduce((sum, f) => sum + f.bytes, 0),
        totalGzipBytes,
        inlineBootBytes: inline.length,
        htmlBytes: htmlBytes.byteLength,
        htmlGzipBytes: await gzipSize(htmlBytes),
      },
      loginPageJsBytes: await jsGzipOn("/login", {}),
      registerPageJsBytes: await jsGzipOn("/register", {}),
      render: {
        messages,
        runs,
        medianMs: round(percentile(times, 0.5)),
        p95Ms: round(percentile(times, 0.95)),
        minMs: round(times[0]),
      },
      wire,
      lazy,
      limits: { roomPageJsGzipBytes: ROOM_PAGE_JS_LIMIT },
      ok: false,
    };
    result.ok = totalGzipBytes <= ROOM_PAGE_JS_LIMIT && result.loginPageJsBytes === 0 &&
      result.registerPageJsBytes === 0;
    return result;
  } finally {
    await server.shutdown();
  }
}

function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

if (import.meta.main) {
  const runsArg = Deno.args.find((a) => a.startsWith("--runs="));
  const result = await measureWebBudget({ runs: runsArg ? Number(runsArg.slice(7)) : undefined });
  if (Deno.args.includes("--json")) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const { roomPage, render } = result;
    console.log("Room page JavaScript (as served, gzip):");
    for (const f of roomPage.files) {
      console.log(`  ${f.file.padEnd(40)} ${kb(f.bytes).padStart(9)}  gzip ${kb(f.gzipBytes)}`);
    }
    console.log(
      `  ${"total".padEnd(40)} ${kb(roomPage.totalBytes).padStart(9)}  gzip ${
        kb(roomPage.totalGzipBytes)
      } (limit ${kb(ROOM_PAGE_JS_LIMIT)})`,
    );
    console.log(`  inline boot script: ${roomPage.inlineBootBytes} B`);
    console.log(
      `Room page HTML with ${render.messages} messages: ${kb(roomPage.htmlBytes)}, gzip ${
        kb(roomPage.htmlGzipBytes)
      }`,
    );
    console.log("HTML on the wire, plain / gzip / brotli; the page's JavaScript, gzip:");
    for (const w of result.wire) {
      console.log(
        `  ${w.page.padEnd(24)} ${kb(w.plain).padStart(9)} / ${kb(w.gzip).padStart(8)} / ${
          kb(w.br).padStart(8)
        }   JS ${kb(w.jsGzip).padStart(8)}`,
      );
    }
    const after = result.lazy.filter((f) => f.afterLoad);
    const afterBytes = after.reduce((sum, f) => sum + f.gzipBytes, 0);
    console.log("Fetched by the room page right after it hydrates (not in the budget), gzip:");
    for (const f of after) console.log(`  ${f.file.padEnd(52)} ${kb(f.gzipBytes)}`);
    console.log(
      `  ${"total".padEnd(52)} ${kb(afterBytes)} (with the page's: ${
        kb(afterBytes + roomPage.totalGzipBytes)
      })`,
    );
    console.log("Loaded on first use, gzip each:");
    for (const f of result.lazy.filter((f) => !f.afterLoad)) {
      console.log(`  ${f.file.padEnd(52)} ${kb(f.gzipBytes)}`);
    }
    console.log(`Login page JavaScript: ${result.loginPageJsBytes} B (limit 0)`);
    console.log(`Register page JavaScript: ${result.registerPageJsBytes} B (limit 0)`);
    console.log(
      `Server time for a room page with ${render.messages} messages (${render.runs} requests): ` +
        `median ${render.medianMs} ms, p95 ${render.p95Ms} ms, min ${render.minMs} ms`,
    );
    console.log(result.ok ? "Budgets met" : "Budget broken");
  }
  if (!result.ok) Deno.exit(1);
}
