import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ChatApi } from "../lib/client/http.ts";
import { IntegrityError, InvalidInputError, UnknownFileError } from "./errors.ts";
import { checkUpload, downloadFile, etagSha256, fileUrlFor, uploadFile } from "./transfer.ts";

const SERVER = "http://chat.example:8000";

Deno.test("fileUrlFor() turns an id, a path or a URL of the server into a file path", () => {
  assert.equal(fileUrlFor(SERVER, "k3v9q1x0c2m4"), "/api/files/k3v9q1x0c2m4/download");
  assert.equal(fileUrlFor(SERVER, "/api/files/f1/report.pdf"), "/api/files/f1/report.pdf");
  assert.equal(
    fileUrlFor(SERVER, "http://chat.example:8000/api/files/f1/r%C3%A9.pdf?x=1#top"),
    "/api/files/f1/r%C3%A9.pdf?x=1",
  );
  // A server under a path prefix.
  assert.equal(
    fileUrlFor("https://host.example/chat", "https://host.example/chat/api/files/f1/a.txt"),
    "/api/files/f1/a.txt",
  );
});

Deno.test("fileUrlFor() refuses other hosts, so the token never leaves its server", () => {
  for (
    const url of [
      "https://evil.example/api/files/f1/x",
      "http://chat.example:8001/api/files/f1/x",
      "https://chat.example:8000/api/files/f1/x",
      "http://user@evil.example/api/files/f1/x",
    ]
  ) {
    assert.throws(() => fileUrlFor(SERVER, url), (err: Error) => {
      assert.ok(err instanceof InvalidInputError);
      assert.match(err.message, /^Refused: .* is not on the server in use/);
      return true;
    });
  }
});

Deno.test("fileUrlFor() refuses what is not a file of the server", () => {
  for (
    const arg of [
      "//evil.example/api/files/f1/x",
      "/api/rooms",
      "/api/files/",
      "/api/files/../rooms/r1",
      "/api/files/%2e%2e/%2e%2e/api/me",
      "file:///etc/passwd",
      "javascript:alert(1)",
      "not an id",
      "",
    ]
  ) {
    assert.throws(() => fileUrlFor(SERVER, arg), /Not a file of this server/, arg);
  }
});

Deno.test("etagSha256() reads the hash from a strong or weak ETag", () => {
  const hex = "a".repeat(64);
  assert.equal(etagSha256(`"${hex}"`), hex);
  assert.equal(etagSha256(`W/"${hex.toUpperCase()}"`), hex);
  assert.equal(etagSha256(`"abc"`), undefined);
  assert.equal(etagSha256(null), undefined);
});

Deno.test("checkUpload() refuses a missing, empty, too large file or a directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/ok.bin`, new Uint8Array(100));
    await Deno.writeFile(`${dir}/empty`, new Uint8Array());
    await Deno.writeFile(`${dir}/big.bin`, new Uint8Array(2048));
    assert.deepEqual(await checkUpload(`${dir}/ok.bin`, 1024), {
      path: `${dir}/ok.bin`,
      name: "ok.bin",
      size: 100,
    });
    await assert.rejects(checkUpload(`${dir}/nope`, 1024), /No such file: ".*nope"/);
    await assert.rejects(checkUpload(`${dir}/empty`, 1024), /File is empty/);
    await assert.rejects(
      checkUpload(`${dir}/big.bin`, 1024),
      /File is too large: ".*big.bin" is 2 KB, the limit is 1 KB/,
    );
    await assert.rejects(checkUpload(dir, 1024), /Not a file: .* is a directory/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function sha(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A fake server: the handler answers every request. */
async function withServer(
  handler: (req: Request) => Response | Promise<Response>,
  run: (url: string) => Promise<void>,
): Promise<void> {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, handler);
  try {
    await run(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    await server.shutdown();
  }
}

const BYTES = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251);

function fileResponse(bytes: Uint8Array<ArrayBuffer>, etag = sha(bytes), name = "r%C3%A9port.bin") {
  return new Response(bytes, {
    headers: {
      "content-type": "application/octet-stream",
      etag: `"${etag}"`,
      "content-disposition": `attachment; filename="r_port.bin"; filename*=UTF-8''${name}`,
    },
  });
}

Deno.test("downloadFile() saves under the server's name, verified, without a temp file left", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await withServer((req) => {
      assert.equal(req.headers.get("authorization"), "Bearer tok");
      return fileResponse(BYTES);
    }, async (url) => {
      const api = new ChatApi(url, { token: "tok" });
      const progress: number[] = [];
      const saved = await downloadFile(api, "/api/files/f1/download", { dir, exists: "fail" }, {
        onProgress: (n) => progress.push(n),
      });
      assert.equal(saved.path, `${dir}/réport.bin`);
      assert.equal(saved.sha256, sha(BYTES));
      assert.equal(saved.size, BYTES.length);
      assert.equal(progress.at(-1), BYTES.length);
      assert.deepEqual(await Deno.readFile(saved.path), BYTES);
      // Never over an existing file, unless asked.
      await assert.rejects(
        downloadFile(api, "/api/files/f1/download", { dir, exists: "fail" }),
        /File exists: ".*réport.bin": give -o PATH .* or --force/,
      );
      const again = await downloadFile(api, "/x", { dir, exists: "rename" });
      assert.equal(again.path, `${dir}/réport (1).bin`);
      const forced = await downloadFile(api, "/x", { dir, exists: "overwrite" });
      assert.equal(forced.path, `${dir}/réport.bin`);
      const named = await downloadFile(api, "/x", { path: `${dir}/chosen` });
      assert.equal(named.path, `${dir}/chosen`);
      assert.deepEqual(await Deno.readFile(`${dir}/chosen`), BYTES);
    });
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, ["chosen", "réport (1).bin", "réport.bin"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("downloadFile() fails loudly on a SHA-256 mismatch and leaves nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await withServer(() => fileResponse(BYTES, "0".repeat(64)), async (url) => {
      await assert.rejects(
        downloadFile(new ChatApi(url), "/x", { dir, exists: "fail" }),
        (err: Error) => {
          assert.ok(err instanceof IntegrityError);
          assert.match(
            err.message,
            /^Download is corrupt: its SHA-256 is [0-9a-f]{64}, the server says 0{64}: nothing was saved$/,
          );
          return true;
        },
      );
    });
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("downloadFile() makes a hostile announced name a bare one in the directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await withServer(
      () => fileResponse(BYTES, sha(BYTES), "..%2F..%2F.profile%1B%5B2J"),
      async (url) => {
        const saved = await downloadFile(new ChatApi(url), "/x", { dir, exists: "fail" });
        assert.equal(saved.path, `${dir}/profile_[2J`);
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("downloadFile() says which file is unknown on a 404", async () => {
  await withServer(
    () =>
      Response.json({ error: { code: "not_found", message: "File not found" } }, { status: 404 }),
    async (url) => {
      await assert.rejects(
        downloadFile(new ChatApi(url), "/api/files/nope/download", { dir: ".", exists: "fail" }, {
          label: "nope",
        }),
        (err: Error) => err instanceof UnknownFileError && /Unknown file: "nope"/.test(err.message),
      );
    },
  );
});

Deno.test("a redirect to another origin (FILES_ORIGIN) does not carry the token", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await withServer((req) => {
      assert.equal(req.headers.get("authorization"), null);
      return fileResponse(BYTES);
    }, async (files) => {
      await withServer(
        (req) => {
          assert.equal(req.headers.get("authorization"), "Bearer tok");
          return Response.redirect(`${files.replace("127.0.0.1", "localhost")}/f?sig=x`, 302);
        },
        async (app) => {
          const saved = await downloadFile(new ChatApi(app, { token: "tok" }), "/x", {
            dir,
            exists: "fail",
          });
          assert.equal(saved.sha256, sha(BYTES));
        },
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("uploadFile() streams the file and retries a short rate limit", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/data.bin`, BYTES);
    let calls = 0;
    await withServer(async (req) => {
      calls++;
      const body = new Uint8Array(await req.arrayBuffer());
      if (calls === 1) {
        return Response.json({
          error: { code: "rate_limited", message: "Too many uploads at once" },
        }, {
          status: 429,
          headers: { "retry-after": "1" },
        });
      }
      assert.equal(new URL(req.url).searchParams.get("name"), "data.bin");
      assert.deepEqual(body, BYTES);
      return Response.json({
        file: {
          id: "f1",
          name: "data.bin",
          size: body.length,
          type: "x",
          url: "/u",
          sha256: sha(body),
        },
      }, { status: 201 });
    }, async (url) => {
      const progress: number[] = [];
      const file = await checkUpload(`${dir}/data.bin`, 1 << 20);
      const info = await uploadFile(new ChatApi(url, { token: "t" }), file, {
        onProgress: (n) => progress.push(n),
      });
      assert.equal(info.sha256, sha(BYTES));
      assert.equal(calls, 2);
      assert.equal(progress.at(-1), BYTES.length);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("uploadFile() does not wait out a long rate limit (the daily quota)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/data.bin`, BYTES);
    await withServer(async (req) => {
      await req.body?.cancel();
      return Response.json({ error: { code: "rate_limited", message: "Upload quota reached" } }, {
        status: 429,
        headers: { "retry-after": "36000" },
      });
    }, async (url) => {
      const file = await checkUpload(`${dir}/data.bin`, 1 << 20);
      await assert.rejects(uploadFile(new ChatApi(url), file), /Upload quota reached/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
