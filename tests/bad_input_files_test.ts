/**
 * Bad input to files (PROTOCOL v2 "Files"), against the real server: each answer is
 * a clear error, nothing is stored, nothing crashes. Too large (declared and not),
 * a lying or cut-off body, empty files, a decompression bomb, a truncated image,
 * active content (SVG with a script, HTML named .png), hostile names, bad `files`
 * in a send, and 50 uploads at once by one user. At the end, the store's
 * invariants hold and no chunk is left without a file.
 */

import assert from "node:assert/strict";
import { ChatApi } from "../lib/client/http.ts";
import { openKv } from "../lib/store/kv.ts";
import { checkKv } from "./_invariants.ts";
import { assertError, BAD_INPUT_ENV, withServer } from "./_api.ts";
import { bombPng, makeJpeg, makePng } from "./_images.ts";

/** Sends raw bytes over TCP (a body unlike its content-length); answers the status. */
async function rawHttp(port: number, head: string, body: Uint8Array, close: boolean) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(head));
    await conn.write(body);
    if (close) {
      conn.closeWrite();
    }
    const buf = new Uint8Array(4096);
    let text = "";
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
      if (/\r\n\r\n[\s\S]*\}/.test(text)) break;
    }
    return text;
  } finally {
    try {
      conn.close();
    } catch { /* closed */ }
  }
}

Deno.test({
  name: "bad input: files",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withServer(
      { ...BAD_INPUT_ENV, MAX_UPLOAD_MB: "2", UPLOAD_QUOTA_MB_PER_DAY: "40" },
      async ({ server, base, req, newUser }) => {
        const ada = await newUser("bfa");
        const bob = await newUser("bfb");
        const room = await ada.createRoom("Bad files");
        await bob.join(room.id);
        const upload = (name: string, body: Uint8Array, user: ChatApi = ada, type?: string) =>
          req("POST", `/api/uploads?name=${encodeURIComponent(name)}`, {
            token: user.token,
            body,
            headers: { "content-type": type ?? "application/octet-stream" },
          });

        await t.step("a body over the limit: 413, declared or not", async () => {
          const big = new Uint8Array(2 * 1024 * 1024 + 1);
          assertError(await upload("big.bin", big), 413, "payload_too_large", "declared");
          const stream = new ReadableStream<Uint8Array>({
            start(c) {
              for (let i = 0; i < 3; i++) c.enqueue(new Uint8Array(1024 * 1024));
              c.close();
            },
          });
          const res = await fetch(`${base}/api/uploads?name=s.bin`, {
            method: "POST",
            headers: { authorization: `Bearer ${ada.token}` },
            body: stream,
          });
          assert.equal(res.status, 413);
          assert.match((await res.json()).error.message, /the limit is 2 MB/);
        });

        await t.step(
          "a declared size over the limit is refused before the body is read",
          async () => {
            const head = `POST /api/uploads?name=x.bin HTTP/1.1\r\nhost: 127.0.0.1\r\n` +
              `authorization: Bearer ${ada.token}\r\ncontent-length: ${26 * 1024 * 1024}\r\n\r\n`;
            // Only 10 bytes follow: the answer comes anyway, without waiting for 26 MiB.
            const answer = await rawHttp(server.port, head, new Uint8Array(10), false);
            assert.match(answer, /^HTTP\/1\.1 413/);
          },
        );

        await t.step(
          "a lying content-length: a body cut short publishes nothing; a longer one is cut at it",
          async () => {
            const short = `POST /api/uploads?name=short.bin HTTP/1.1\r\nhost: 127.0.0.1\r\n` +
              `authorization: Bearer ${ada.token}\r\ncontent-length: 100000\r\n\r\n`;
            const cut = await rawHttp(server.port, short, new Uint8Array(5000).fill(3), true);
            // The client is gone: either a 400 reaches it or the connection just ends.
            assert.match(cut, /^$|^HTTP\/1\.1 400/);
            const longer = `POST /api/uploads?name=long.bin HTTP/1.1\r\nhost: 127.0.0.1\r\n` +
              `authorization: Bearer ${ada.token}\r\ncontent-length: 10\r\n\r\n`;
            const answer = await rawHttp(server.port, longer, new Uint8Array(5000).fill(4), false);
            assert.match(answer, /^HTTP\/1\.1 201/);
            assert.match(answer, /"size":10\b/, "ten bytes were the body");
          },
        );

        await t.step("zero bytes, no name: 400", async () => {
          const empty = await upload("empty.txt", new Uint8Array());
          assertError(empty, 400, "bad_request");
          assert.match(empty.body.error.message, /File is empty/);
          const res = await req("POST", "/api/uploads", { token: ada.token, body: "abc" });
          assertError(res, 400, "bad_request");
          assert.match(res.body.error.message, /"name" is required/);
        });

        await t.step(
          "a PNG claiming 100,000 × 100,000 pixels is refused from its header",
          async () => {
            const res = await upload("bomb.png", bombPng(100_000, 100_000));
            assertError(res, 400, "bad_request");
            assert.match(
              res.body.error.message,
              /100000×100000 pixels, the limit is 40 megapixels/,
            );
          },
        );

        await t.step("a truncated JPEG or PNG: 400", async () => {
          const jpeg = makeJpeg(64, 64);
          const cutJpeg = await upload("cut.jpg", jpeg.subarray(0, jpeg.byteLength - 40));
          assertError(cutJpeg, 400, "bad_request", "truncated JPEG");
          assert.match(cutJpeg.body.error.message, /Not a valid image/);
          const png = makePng(32, 32);
          assertError(
            await upload("cut.png", png.subarray(0, png.byteLength - 12)),
            400,
            "bad_request",
          );
        });

        await t.step("active content is never served inline", async () => {
          const svg = `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">` +
            `<script>alert(1)</script></svg>`;
          const res = await upload("cat.svg", new TextEncoder().encode(svg), ada, "image/svg+xml");
          assert.equal(res.status, 201);
          assert.equal(res.body.file.type, "image/svg+xml");
          assert.equal(res.body.file.thumbUrl, undefined);
          const html = await upload(
            "cat.png",
            new TextEncoder().encode("<html><script>x</script>"),
          );
          assert.equal(html.status, 201);
          assert.notEqual(html.body.file.type, "image/png", "the bytes decide, not the name");
          for (const file of [res.body.file, html.body.file]) {
            const got = await fetch(base + file.url, {
              headers: { authorization: `Bearer ${ada.token}` },
            });
            await got.body?.cancel();
            assert.match(got.headers.get("content-disposition")!, /^attachment;/);
            assert.equal(got.headers.get("x-content-type-options"), "nosniff");
            assert.match(got.headers.get("content-security-policy")!, /sandbox/);
          }
        });

        await t.step("hostile names are made safe", async () => {
          const cases: Array<[string, RegExp]> = [
            ["../../etc/passwd", /^passwd$/],
            ["a\u202Egnp.exe", /^agnp\.exe$/],
            ["C:\\Users\\x\\evil.txt", /^evil\.txt$/],
            ["x".repeat(10_000) + ".txt", /^x+\.txt$/],
          ];
          for (const [name, want] of cases) {
            const res = await upload(name, new TextEncoder().encode("hello"));
            assert.equal(res.status, 201, name.slice(0, 30));
            assert.match(res.body.file.name, want);
            assert.ok(new TextEncoder().encode(res.body.file.name).byteLength <= 255);
          }
        });

        await t.step("bad `files` in a send: 400 and no message", async () => {
          const before = (await ada.room(room.id)).room.lastSeq;
          const mine = (await upload("ok.txt", new TextEncoder().encode("ok"))).body.file;
          const bobs = (await upload("b.txt", new TextEncoder().encode("b"), bob)).body.file;
          const posted = (await upload("p.txt", new TextEncoder().encode("p"))).body.file;
          await ada.send(room.id, "first", undefined, { files: [posted.id] });
          const bad: Array<[unknown, RegExp]> = [
            [[bobs.id], /no upload of yours/],
            [[posted.id], /already posted/],
            [Array.from({ length: 11 }, () => mine.id), /at most 10/],
            [["zzzzzzzzzzzzzzzzzzzz"], /no upload of yours/],
            ["nope", /must be an array/],
            [[mine.id, mine.id], /twice/],
          ];
          for (const [files, message] of bad) {
            const res = await req("POST", `/api/rooms/${room.id}/messages`, {
              token: ada.token,
              body: { text: "x", files },
            });
            assertError(res, 400, "bad_request", JSON.stringify(files).slice(0, 40));
            assert.match(res.body.error.message, message);
          }
          assert.equal((await ada.room(room.id)).room.lastSeq, before + 1, "only the good one");
        });

        await t.step(
          "50 uploads at once by one user: some refused with 429, none fails badly",
          async () => {
            const carol = await newUser("bfc");
            const body = new Uint8Array(200_000).fill(9);
            const answers = await Promise.all(
              Array.from({ length: 50 }, (_, i) => upload(`par${i}.bin`, body, carol)),
            );
            const statuses = answers.map((a) => a.status);
            assert.ok(statuses.every((s) => s === 201 || s === 429), statuses.join());
            assert.ok(statuses.includes(429), "the in-flight limit applies");
            assert.ok(statuses.includes(201));
            for (const a of answers.filter((a) => a.status === 429)) {
              assert.ok(Number(a.headers.get("retry-after")) >= 1);
            }
          },
        );

        await t.step("the store is consistent: every file whole, no orphan chunks", async () => {
          const kv = await openKv(server.kvPath);
          try {
            const { problems } = await checkKv(kv);
            assert.deepEqual(problems, []);
            let published = 0;
            for await (const _ of kv.list({ prefix: ["file"] })) published++;
            // Those that passed: the log, 2 active ones, 4 names, ok/b/p, and the parallel ones.
            assert.ok(published >= 10);
          } finally {
            kv.close();
          }
        });
      },
    );
  },
});

Deno.test({
  name: "bad input: files: after a kill -9 mid-upload, nothing is published and the chunks go",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { startServer } = await import("./_server.ts");
    const first = await startServer({});
    const ada = new ChatApi(first.url);
    await ada.register(`k9_${crypto.randomUUID().slice(0, 6)}`, "correct horse");
    // An upload that sends 3 MB and then waits: killed while it waits.
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        if (pulled >= 3 * 1024 * 1024) return await new Promise(() => {});
        c.enqueue(new Uint8Array(256 * 1024).fill(5));
        pulled += 256 * 1024;
      },
    });
    const pending = ada.upload("interrupted.bin", body).catch((err) => err);
    // Wait until chunks are on disk, then kill.
    const peek = await openKv(first.kvPath);
    for (let i = 0; i < 100; i++) {
      let n = 0;
      for await (const _ of peek.list({ prefix: ["blob"] })) n++;
      if (n >= 16) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    peek.close();
    await first.kill();
    assert.ok(await pending instanceof Error);
    const second = await startServer({ kvPath: first.kvPath });
    try {
      const kv = await openKv(first.kvPath);
      try {
        // The restart sweeps what the dead process left.
        for (let i = 0; i < 100; i++) {
          let n = 0;
          for await (const _ of kv.list({ prefix: ["blob"] })) n++;
          if (n === 0) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        const left: Deno.KvKey[] = [];
        for await (const e of kv.list({ prefix: ["blob"] })) left.push(e.key);
        assert.deepEqual(left, []);
        const files: Deno.KvKey[] = [];
        for await (const e of kv.list({ prefix: ["file"] })) files.push(e.key);
        assert.deepEqual(files, [], "nothing was published");
        const { problems } = await checkKv(kv);
        assert.deepEqual(problems, []);
      } finally {
        kv.close();
      }
    } finally {
      await second.stop();
    }
  },
});
