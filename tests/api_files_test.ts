/**
 * v2 "Files" against the real server: upload, post with a message, who may read
 * the bytes, how they are served (types, inline or attachment, ETag, ranges),
 * images (metadata stripped, orientation kept, thumbnails), a 25 MiB round trip,
 * and deleting the message deleting the bytes.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { FileInfo, Message } from "../lib/protocol/types.ts";
import { API_ENV, eventually, withServer } from "./_api.ts";
import { contains, makeJpeg, makePng } from "./_images.ts";
import { openKv } from "../lib/store/kv.ts";
import { ChatApi } from "../lib/client/http.ts";
import { freePort, startServer } from "./_server.ts";

const ENV = { ...API_ENV };

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

Deno.test({
  name:
    "files: upload, post, read as a member, 404 to others, served safely, deleted with the message",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withServer(ENV, async ({ server, base, req, newUser, socketOf }) => {
      const ada = await newUser("fada");
      const bob = await newUser("fbob");
      const eve = await newUser("feve");
      const room = await ada.createRoom("Shared files");
      await bob.join(room.id);
      const text = new TextEncoder().encode("line one\nline two\n");

      await t.step("GET /api/config tells the limits", async () => {
        const config = await ada.config();
        assert.equal(config.maxUploadBytes, 25 * 1024 * 1024);
        assert.equal(config.maxFilesPerMessage, 10);
        assert.ok(config.uploadQuotaBytesPerDay >= config.maxUploadBytes);
      });

      let log: FileInfo;
      await t.step("an upload answers 201 {file} with the sniffed type and its hash", async () => {
        const res = await req("POST", "/api/uploads?name=build%20log.txt", {
          token: ada.token,
          body: text,
          headers: { "content-type": "image/png" }, // a lie: the bytes say otherwise
        });
        assert.equal(res.status, 201, res.text);
        log = res.body.file;
        assert.equal(log.name, "build log.txt");
        assert.equal(log.type, "text/plain");
        assert.equal(log.size, text.byteLength);
        assert.equal(log.sha256, sha256(text));
        assert.match(log.url, /^\/api\/files\/[0-9a-v]+\/build%20log\.txt$/);
        assert.equal(log.thumbUrl, undefined);
      });

      await t.step("the uploader reads it before posting; nobody else does (404)", async () => {
        const mine = await ada.download(log.url);
        assert.deepEqual(new Uint8Array(await mine.arrayBuffer()), text);
        const other = await req("GET", log.url, { token: bob.token });
        assert.equal(other.status, 404);
        assert.equal(other.body.error.code, "not_found");
      });

      let posted: Message;
      await t.step(
        "posting it: message.files, live to the room, then members read it",
        async () => {
          const live = await socketOf(bob);
          const seen: Message[] = [];
          live.on("message", (f) => seen.push(f.message));
          await live.subscribe(room.id);
          posted = await ada.send(room.id, "", undefined, { files: [log.id] });
          assert.equal(posted.text, "");
          assert.deepEqual(posted.files, [log]);
          await eventually(() => Promise.resolve(assert.deepEqual(seen.at(-1)?.files, [log])));
          const res = await bob.download(log.url);
          assert.deepEqual(new Uint8Array(await res.arrayBuffer()), text);
          const history = await bob.messages(room.id);
          assert.deepEqual(history.messages.at(-1)?.files, [log]);
          const outsider = await req("GET", log.url, { token: eve.token });
          assert.equal(outsider.status, 404, "not 403: its existence is not told");
          const anonymous = await req("GET", log.url);
          assert.equal(anonymous.status, 401);
          // The room's page, to someone who is not in it: the file is named, not linked.
          const page = await fetch(`${base}/rooms/${room.id}`, {
            headers: { cookie: `chat_session=${eve.token}` },
          });
          const html = await page.text();
          assert.equal(page.status, 200);
          assert.match(html, /data-locked/);
          assert.ok(!html.includes(log.url), "no link the server would answer 404 to");
        },
      );

      await t.step(
        "served safely: nosniff, sandbox, attachment with filename*, ETag, 304",
        async () => {
          const res = await bob.download(log.url);
          await res.body?.cancel();
          assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
          assert.equal(res.headers.get("x-content-type-options"), "nosniff");
          assert.match(
            res.headers.get("content-security-policy")!,
            /^sandbox; default-src 'none'$/,
          );
          assert.equal(
            res.headers.get("content-disposition"),
            `attachment; filename="build log.txt"; filename*=UTF-8''build%20log.txt`,
          );
          assert.equal(res.headers.get("etag"), `"${log.sha256}"`);
          assert.match(res.headers.get("cache-control")!, /private/);
          const again = await fetch(base + log.url, {
            headers: { authorization: `Bearer ${bob.token}`, "if-none-match": `"${log.sha256}"` },
          });
          assert.equal(again.status, 304);
          await again.body?.cancel();
        },
      );

      await t.step("ranges: 206 with Content-Range; 416 for bad ones", async () => {
        const part = await bob.download(log.url, { range: "bytes=5-7" });
        assert.equal(part.status, 206);
        assert.equal(part.headers.get("content-range"), `bytes 5-7/${text.byteLength}`);
        assert.equal(await part.text(), "one");
        const tail = await bob.download(log.url, { range: "bytes=-4" });
        assert.equal(await tail.text(), "two\n");
        const open = await bob.download(log.url, { range: "bytes=9-99999999999999999999" });
        assert.equal(await open.text(), "line two\n");
        for (const range of ["bytes=-0", "bytes=9-1", "bytes=0-1e20", "bytes=999-"]) {
          const res = await fetch(base + log.url, {
            headers: { authorization: `Bearer ${bob.token}`, range },
          });
          assert.equal(res.status, 416, range);
          assert.equal(res.headers.get("content-range"), `bytes */${text.byteLength}`);
          await res.body?.cancel();
        }
        const unit = await bob.download(log.url, { range: "pages=1-2" });
        assert.equal(unit.status, 200, "another unit is ignored");
        assert.equal((await unit.text()).length, text.byteLength);
      });

      await t.step("images: metadata stripped, orientation kept, a thumbnail, inline", async () => {
        const photo = makeJpeg(1200, 800, { orientation: 6, secret: "SECRET-PLACE-4242" });
        assert.ok(contains(photo, "SECRET-PLACE-4242"));
        const file = await ada.upload("holiday.jpg", photo);
        assert.equal(file.type, "image/jpeg");
        // Orientation 6: shown turned a quarter, so as tall as it is wide.
        assert.deepEqual([file.width, file.height], [800, 1200]);
        assert.ok(file.thumbUrl && file.thumbUrl !== file.url);
        assert.ok(file.thumbWidth! <= 400 && file.thumbHeight! <= 400);
        assert.deepEqual([file.thumbWidth, file.thumbHeight], [267, 400]);
        const stored = new Uint8Array(await (await ada.download(file.url)).arrayBuffer());
        assert.equal(stored.byteLength, file.size);
        assert.equal(sha256(stored), file.sha256);
        assert.ok(!contains(stored, "SECRET-PLACE-4242"), "the EXIF description is gone");
        assert.ok(!contains(stored, new Uint8Array([0x88, 0x25])), "no GPS pointer");
        const thumb = await ada.download(file.thumbUrl!);
        assert.equal(thumb.headers.get("content-type"), "image/jpeg");
        assert.match(thumb.headers.get("content-disposition")!, /^inline;/);
        const thumbBytes = new Uint8Array(await thumb.arrayBuffer());
        assert.deepEqual([...thumbBytes.subarray(0, 3)], [0xff, 0xd8, 0xff]);
        const shown = await ada.download(file.url);
        assert.match(shown.headers.get("content-disposition")!, /^inline; filename="holiday.jpg"/);
        await shown.body?.cancel();
      });

      await t.step("a small PNG is its own thumbnail; its text chunk is dropped", async () => {
        const png = makePng(40, 30, { text: "PRIVATE-COMMENT" });
        const file = await ada.upload("dot.png", png);
        assert.equal(file.type, "image/png");
        assert.deepEqual([file.width, file.height, file.thumbUrl], [40, 30, file.url]);
        const stored = new Uint8Array(await (await ada.download(file.url)).arrayBuffer());
        assert.ok(!contains(stored, "PRIVATE-COMMENT"));
        assert.equal(stored.byteLength, png.byteLength - (12 + "Comment\0PRIVATE-COMMENT".length));
      });

      await t.step(
        "deleting the message deletes its files: 404 at once, bytes reaped",
        async () => {
          await ada.deleteMessage(room.id, posted.seq);
          const gone = await req("GET", log.url, { token: bob.token });
          assert.equal(gone.status, 404);
          const mine = await req("GET", log.url, { token: ada.token });
          assert.equal(mine.status, 404, "the uploader too: the file went with the message");
          const { messages } = await bob.messages(room.id);
          const tombstone = messages.find((m) => m.seq === posted.seq)!;
          assert.equal(tombstone.deleted, true);
          assert.equal(tombstone.files, undefined);
          const kv = await openKv(server.kvPath);
          try {
            await eventually(async () => {
              let chunks = 0;
              for await (const _ of kv.list({ prefix: ["blob", log.id] })) chunks++;
              assert.equal(chunks, 0, "the bytes are gone from KV");
            });
            assert.equal((await kv.get(["blob_trash", log.id])).versionstamp, null);
          } finally {
            kv.close();
          }
        },
      );
    });
  },
});

Deno.test({
  name: "files: a 25 MiB file streams in and out byte for byte, with its SHA-256",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withServer(ENV, async ({ newUser }) => {
      const ada = await newUser("big");
      const size = 25 * 1024 * 1024;
      const data = new Uint8Array(size);
      for (let i = 0; i < size; i += 65536) {
        crypto.getRandomValues(data.subarray(i, Math.min(size, i + 65536)));
      }
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < size; i += 1 << 20) {
            controller.enqueue(data.subarray(i, i + (1 << 20)));
          }
          controller.close();
        },
      });
      const file = await ada.upload("big.bin", body, { onProgress: (n) => sent = n });
      assert.equal(sent, size);
      assert.equal(file.size, size);
      assert.equal(file.type, "application/octet-stream");
      assert.equal(file.sha256, sha256(data));
      const res = await ada.download(file.url);
      assert.equal(res.headers.get("content-length"), String(size));
      const back = createHash("sha256");
      let received = 0;
      for await (const part of res.body!) {
        back.update(part);
        received += part.byteLength;
      }
      assert.equal(received, size);
      assert.equal(back.digest("hex"), file.sha256);
    });
  },
});

Deno.test({
  name:
    "files: with FILES_ORIGIN, file.url redirects there with a signed address that grants only that file",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const port = freePort();
    // The same server under a second name: localhost is the files origin.
    const filesOrigin = `http://localhost:${port}`;
    const server = await startServer({ port, env: { ...ENV, FILES_ORIGIN: filesOrigin } });
    try {
      const ada = new ChatApi(server.url);
      await ada.register(`fo_${crypto.randomUUID().slice(0, 6)}`, "correct horse");
      const file = await ada.upload("note.txt", new TextEncoder().encode("signed bytes"));
      const other = await ada.upload("other.txt", new TextEncoder().encode("not granted"));
      const res = await fetch(server.url + file.url, {
        headers: { authorization: `Bearer ${ada.token}` },
        redirect: "manual",
      });
      assert.equal(res.status, 302);
      await res.body?.cancel();
      const link = new URL(res.headers.get("location")!);
      assert.equal(link.origin, filesOrigin);
      assert.equal(link.pathname, file.url);
      // No session there: the signature is the grant.
      const bytes = await fetch(link);
      assert.equal(bytes.status, 200);
      assert.equal(await bytes.text(), "signed bytes");
      assert.match(bytes.headers.get("content-security-policy")!, /sandbox/);
      const sig = link.searchParams.get("sig")!;
      const otherLink = new URL(other.url, filesOrigin);
      otherLink.searchParams.set("sig", sig);
      const refused = await fetch(otherLink);
      assert.equal(refused.status, 404, "a grant names one file");
      await refused.body?.cancel();
      link.searchParams.set("sig", sig.slice(0, -3) + (sig.endsWith("AAA") ? "BBB" : "AAA"));
      const forged = await fetch(link);
      assert.equal(forged.status, 404);
      await forged.body?.cancel();
      // Pages may show images from there.
      const page = await fetch(`${server.url}/login`);
      assert.match(
        page.headers.get("content-security-policy")!,
        new RegExp(`img-src [^;]*${filesOrigin}`),
      );
      await page.body?.cancel();
    } finally {
      await server.stop();
    }
  },
});
