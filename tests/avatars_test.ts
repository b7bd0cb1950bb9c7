/**
 * v2 "People", avatars, against the real server: an upload becomes a 256 px
 * square JPEG made anew (no byte of the upload's metadata survives), served at a
 * versioned address to anyone signed in, shown in `/api/me`, members, profiles and
 * a direct room's peer, told to roommates in a `user` frame; SVGs, bombs, junk and
 * oversized bodies are refused and change nothing; removal brings the initials
 * back. The store is checked after each run.
 */

import "../lib/client/admin.ts";
import assert from "node:assert/strict";
import { ApiError } from "../lib/client/http.ts";
import { decode } from "../lib/media/_test_images.ts";
import { AVATAR_BYTES_MAX, AVATAR_SIDE, AVATAR_UPLOAD_MAX } from "../lib/protocol/limits.ts";
import { closeThumbnailer } from "../lib/media/thumbnail.ts";
import { checkKv } from "./_invariants.ts";
import { newUser, RecordingSocket, waitFor } from "./_clients.ts";
import { bombPng, contains, makeJpeg, makePng } from "./_images.ts";
import { startServer } from "./_server.ts";

async function rejects(promise: Promise<unknown>, status: number, message?: RegExp) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${err}`);
    assert.equal(err.status, status, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

Deno.test({
  name: "avatars: a square JPEG made anew, versioned, shown everywhere and told to roommates",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ parallel: 2 });
    try {
      const [ada, bob] = await Promise.all([
        newUser(server.url, "ada"),
        newUser(server.url, "bob"),
      ]);
      const me = await ada.me();
      assert.equal(me.avatarUrl, undefined, "no avatar until one is set: clients show initials");
      const room = await bob.createRoom(`avatars-${crypto.randomUUID().slice(0, 6)}`);
      await ada.join(room.id);
      const dm = await bob.dm(me.username);
      const socket = await RecordingSocket.open(bob);

      // A wide photo with EXIF (a GPS position and a secret description).
      const photo = makeJpeg(900, 300, { secret: "my-home-address" });
      const user = await ada.setAvatar(photo, "image/jpeg");
      assert.match(user.avatarUrl ?? "", /^\/api\/avatars\/[0-9a-v]+\/[0-9a-v]+$/);
      assert.equal((await ada.me()).avatarUrl, user.avatarUrl);

      const res = await bob.download(user.avatarUrl!);
      assert.equal(res.headers.get("content-type"), "image/jpeg");
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.match(res.headers.get("cache-control") ?? "", /immutable/);
      const bytes = new Uint8Array(await res.arrayBuffer());
      assert.ok(bytes.byteLength <= AVATAR_BYTES_MAX);
      assert.ok(!contains(bytes, "my-home-address"), "the upload's metadata is gone");
      assert.ok(!contains(bytes, "Exif"), "no EXIF at all: the JPEG is made anew");
      const shown = decode(bytes);
      assert.deepEqual([shown.width, shown.height], [AVATAR_SIDE, AVATAR_SIDE]);

      await waitFor("user frame", () => socket.of("user").some((f) => f.user.avatarUrl));
      assert.equal(socket.of("user").at(-1)!.user.avatarUrl, user.avatarUrl);
      await waitFor(
        "member list",
        async () =>
          (await bob.room(room.id)).members.find((m) => m.id === me.id)?.avatarUrl ===
            user.avatarUrl,
      );
      assert.equal((await bob.user(me.username)).avatarUrl, user.avatarUrl);
      const direct = (await bob.rooms()).find((r) => r.id === dm.id)!;
      await waitFor(
        "peer",
        async () =>
          (await bob.rooms()).find((r) => r.id === direct.id)?.peer?.avatarUrl === user.avatarUrl,
      );

      // A new avatar is a new address; the old one is gone.
      const next = await ada.setAvatar(makePng(64, 128), "image/png");
      assert.notEqual(next.avatarUrl, user.avatarUrl);
      await rejects(bob.download(user.avatarUrl!), 404);
      assert.equal((await bob.download(next.avatarUrl!)).status, 200);

      // Not signed in: nothing.
      const anonymous = await fetch(server.url + next.avatarUrl!);
      await anonymous.body?.cancel();
      assert.equal(anonymous.status, 401);

      await ada.removeAvatar();
      assert.equal((await ada.me()).avatarUrl, undefined);
      await rejects(bob.download(next.avatarUrl!), 404);
      await waitFor("removal told", () => socket.of("user").at(-1)?.user.avatarUrl === undefined);
      socket.close();
    } finally {
      await server.stop();
      closeThumbnailer();
    }
    const kv = await Deno.openKv(server.kvPath);
    try {
      assert.deepEqual((await checkKv(kv)).problems, []);
    } finally {
      kv.close();
    }
  },
});

Deno.test({
  name: "avatars: SVG, a 20,000 × 20,000 PNG, junk, empty and oversized bodies are refused",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    try {
      const ada = await newUser(server.url, "ada");
      const svg = new TextEncoder().encode(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
      );
      await rejects(ada.setAvatar(svg, "image/svg+xml"), 400, /PNG, JPEG, GIF or WebP/);
      await rejects(ada.setAvatar(bombPng(20_000, 20_000), "image/png"), 400, /too large/);
      await rejects(ada.setAvatar(new TextEncoder().encode("not an image"), "image/png"), 400);
      const truncated = makePng(50, 50).subarray(0, 60);
      await rejects(ada.setAvatar(truncated, "image/png"), 400);
      await rejects(ada.setAvatar(new Uint8Array(0), "image/png"), 400);
      await rejects(ada.setAvatar(new Uint8Array(AVATAR_UPLOAD_MAX + 1), "image/png"), 413);
      await rejects(ada.request("GET", "/api/avatars/nope!/x"), 404);
      assert.equal((await ada.me()).avatarUrl, undefined, "nothing changed");
    } finally {
      await server.stop();
      closeThumbnailer();
    }
  },
});
