/**
 * Files in the scriptable client (`chat upload`, `chat download`, file markers in
 * `history`) against the real server: several files in one message with a
 * caption, `--json`, byte-identical downloads by id, path and URL (SHA-256
 * compared), `-o -`, never overwriting, images (stored without their metadata:
 * the server's hash is the truth), the size limit checked before uploading, an
 * unknown file, another host refused, and no progress bar when stderr is a pipe.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { ChatApi } from "../lib/client/http.ts";
import type { FileInfo, Message } from "../lib/protocol/types.ts";
import { CLI_PERMISSIONS, tempConfig } from "./_cli.ts";
import { newUser } from "./_clients.ts";
import { makePng } from "./_images.ts";
import { startServer, type TestServer } from "./_server.ts";

const MAIN = new URL("../cli/main.ts", import.meta.url).pathname;
const PASSWORD = "correct horse battery";

interface Run {
  code: number;
  stdout: string;
  bytes: Uint8Array;
  stderr: string;
}

/**
 * Runs the client as `tests/_cli.ts` does, but in a directory of the test's
 * choosing (downloads land in the current directory) and with stdout as bytes.
 */
async function chat(
  args: string[],
  options: { config: string; server: string; cwd: string; stdin?: string },
): Promise<Run> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...CLI_PERMISSIONS, MAIN, ...args],
    cwd: options.cwd,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: options.config,
      XDG_CONFIG_HOME: options.config,
      NO_COLOR: "1",
      CHAT_SERVER: options.server,
      ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}),
    },
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    bytes: out.stdout,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Nothing a terminal would act on: the bar is for terminals only. */
function assertPlainStderr(run: Run): void {
  const odd = run.stderr.includes("\r") || run.stderr.includes("\x1b");
  assert.ok(!odd, `stderr has \\r or ANSI: ${JSON.stringify(run.stderr)}`);
}

/** Bytes no sniffer takes for an image or a text: a made-up magic and noise. */
function binary(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
  bytes.set([0x00, 0x43, 0x48, 0x54, 0xff, 0x00], 0);
  return bytes;
}

async function withUser(server: TestServer, name: string) {
  const config = await tempConfig();
  const cwd = await Deno.makeTempDir({ prefix: "chat-files-" });
  const run = (args: string[], options: { cwd?: string; stdin?: string } = {}) =>
    chat(args, { config, server: server.url, cwd: options.cwd ?? cwd, stdin: options.stdin });
  const registered = await run(["register", name, "--password-stdin"], { stdin: `${PASSWORD}\n` });
  assert.equal(registered.code, 0, registered.stderr);
  return { run, cwd, config };
}

Deno.test("chat upload and chat download move files byte for byte", async (t) => {
  const server = await startServer();
  const alice = await withUser(server, `alice${crypto.randomUUID().slice(0, 6)}`);
  const bob: ChatApi = await newUser(server.url, "bob");
  const text = new TextEncoder().encode("line one\nline two ✓\n");
  const data = binary(300_000);
  await Deno.writeFile(`${alice.cwd}/notes.txt`, text);
  await Deno.writeFile(`${alice.cwd}/data.bin`, data);
  const created = await alice.run(["create", "Files", "--json"]);
  const roomId = JSON.parse(created.stdout).id;
  await bob.join(roomId);
  const elsewhere = await Deno.makeTempDir({ prefix: "chat-files-out-" });
  let notes: FileInfo;
  let blob: FileInfo;
  let single: FileInfo;
  try {
    await t.step("upload sends several files in one message, with --text as caption", async () => {
      const res = await alice.run(["upload", "files", "notes.txt", "data.bin", "--text", "two"]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, "Sent 2 files (293 KB) to #Files (#1)\n");
      assert.equal(res.stderr, "");
      const [message] = (await bob.messages(roomId)).messages;
      assert.equal(message.text, "two");
      assert.deepEqual(message.files?.map((f) => [f.name, f.size]), [
        ["notes.txt", text.length],
        ["data.bin", data.length],
      ]);
      [notes, blob] = message.files!;
      assert.equal(notes.sha256, sha256(text));
      assert.equal(blob.sha256, sha256(data));
    });

    await t.step("--json prints the message with its file objects", async () => {
      const res = await alice.run(["upload", roomId, "notes.txt", "--json"]);
      assert.equal(res.code, 0, res.stderr);
      assertPlainStderr(res);
      const message: Message = JSON.parse(res.stdout);
      assert.equal(message.seq, 2);
      assert.equal(message.text, "");
      assert.equal(message.files?.length, 1);
      const file = single = message.files![0];
      assert.deepEqual(
        { name: file.name, size: file.size, sha256: file.sha256 },
        { name: "notes.txt", size: text.length, sha256: sha256(text) },
      );
      assert.match(file.url, /^\/api\/files\//);
      assert.equal(typeof file.id, "string");
    });

    await t.step("history shows each file with the id download takes", async () => {
      const res = await alice.run(["history", "files"]);
      assert.equal(res.code, 0, res.stderr);
      const lines = res.stdout.trim().split("\n");
      assert.match(
        lines[0],
        new RegExp(
          `#1 alice\\w+: two \\[file: notes\\.txt 22 B id:${notes.id}\\] ` +
            `\\[file: data\\.bin 293 KB id:${blob.id}\\]$`,
        ),
      );
      assert.match(lines[1], /#2 alice\w+: \[file: notes\.txt 22 B id:\w+\]$/);
      const json = await alice.run(["history", "files", "--json"]);
      const first: Message = JSON.parse(json.stdout.split("\n")[0]);
      assert.deepEqual(first.files?.map((f) => f.id), [notes.id, blob.id]);
    });

    await t.step("download by id saves under the file's name, byte for byte", async () => {
      const res = await alice.run(["download", notes.id], { cwd: elsewhere });
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, "Saved notes.txt (22 B) to notes.txt\n");
      assert.equal(res.stderr, "");
      assert.equal(sha256(await Deno.readFile(`${elsewhere}/notes.txt`)), sha256(text));
      // With --json: where it went and what it is; no temporary file is left behind.
      const byId = await alice.run(["download", blob.id, "--json"], { cwd: elsewhere });
      assert.equal(byId.code, 0, byId.stderr);
      const saved = JSON.parse(byId.stdout);
      assert.deepEqual(saved, {
        path: "data.bin",
        name: "data.bin",
        size: data.length,
        sha256: sha256(data),
        type: blob.type,
      });
      assert.equal(sha256(await Deno.readFile(`${elsewhere}/data.bin`)), sha256(data));
      const names = [...Deno.readDirSync(elsewhere)].map((e) => e.name).sort();
      assert.deepEqual(names, ["data.bin", "notes.txt"]);
    });

    await t.step("download by path and by URL, -o a file or a directory", async () => {
      const byPath = await alice.run(["download", blob.url, "-o", `${elsewhere}/by-path.bin`]);
      assert.equal(byPath.code, 0, byPath.stderr);
      assert.equal(sha256(await Deno.readFile(`${elsewhere}/by-path.bin`)), sha256(data));
      const dir = `${elsewhere}/sub`;
      await Deno.mkdir(dir);
      const byUrl = await alice.run(["download", `${server.url}${notes.url}`, "-o", dir]);
      assert.equal(byUrl.code, 0, byUrl.stderr);
      assert.equal(byUrl.stdout, `Saved notes.txt (22 B) to ${dir}/notes.txt\n`);
      assert.equal(sha256(await Deno.readFile(`${dir}/notes.txt`)), sha256(text));
    });

    await t.step("-o - writes the bytes to stdout and nothing else", async () => {
      for (const file of [blob, notes]) {
        const res = await alice.run(["download", file.id, "-o", "-"]);
        assert.equal(res.code, 0, res.stderr);
        assert.equal(res.stderr, "");
        assert.equal(sha256(res.bytes), file.sha256);
      }
      const json = await alice.run(["download", notes.id, "-o", "-", "--json"]);
      assert.equal(json.code, 2);
    });

    await t.step("an existing file is never overwritten unless asked", async () => {
      await Deno.writeTextFile(`${elsewhere}/notes.txt`, "mine, keep it");
      const res = await alice.run(["download", notes.id], { cwd: elsewhere });
      assert.equal(res.code, 2);
      assert.equal(
        res.stderr,
        'chat: File exists: "notes.txt": give -o PATH to choose where, or --force to replace it\n',
      );
      assert.equal(await Deno.readTextFile(`${elsewhere}/notes.txt`), "mine, keep it");
      const forced = await alice.run(["download", notes.id, "--force"], { cwd: elsewhere });
      assert.equal(forced.code, 0, forced.stderr);
      assert.equal(sha256(await Deno.readFile(`${elsewhere}/notes.txt`)), sha256(text));
      // -o naming the file is asking.
      await Deno.writeTextFile(`${elsewhere}/notes.txt`, "again");
      const named = await alice.run(["download", notes.id, "-o", "notes.txt"], { cwd: elsewhere });
      assert.equal(named.code, 0, named.stderr);
      assert.equal(sha256(await Deno.readFile(`${elsewhere}/notes.txt`)), sha256(text));
    });

    await t.step(
      "an image is verified against the server's hash (its metadata is gone)",
      async () => {
        const png = makePng(32, 32, { text: "secret location" });
        await Deno.writeFile(`${alice.cwd}/photo.png`, png);
        const res = await alice.run(["upload", "files", "photo.png", "--json"]);
        assert.equal(res.code, 0, res.stderr);
        const file: FileInfo = JSON.parse(res.stdout).files[0];
        assert.notEqual(file.sha256, sha256(png), "stored without its text chunk");
        const got = await alice.run(["download", file.id, "-o", "-"]);
        assert.equal(got.code, 0, got.stderr);
        assert.equal(sha256(got.bytes), file.sha256);
      },
    );

    await t.step("an unknown file, another host or a non-file is refused clearly", async () => {
      const unknown = await alice.run(["download", "nosuchfile0000"]);
      assert.equal(unknown.code, 4);
      assert.equal(
        unknown.stderr,
        'chat: Unknown file: "nosuchfile0000": it does not exist or was not shared with you\n',
      );
      const evil = await alice.run(["download", `https://evil.example${notes.url}`]);
      assert.equal(evil.code, 2);
      assert.match(
        evil.stderr,
        /^chat: Refused: "https:\/\/evil\.example\/api\/files\/.*" is not on the server in use/,
      );
      const room = await alice.run(["download", "/api/rooms"]);
      assert.equal(room.code, 2);
      assert.match(room.stderr, /^chat: Not a file of this server: "\/api\/rooms"/);
    });

    await t.step("a deleted message takes its files with it", async () => {
      const del = await alice.run(["delete", "files", "2"]);
      assert.equal(del.code, 0, del.stderr);
      const history = await alice.run(["history", "files", "--json"]);
      const second: Message = JSON.parse(history.stdout.split("\n")[1]);
      assert.equal(second.files, undefined);
      const lines = (await alice.run(["history", "files"])).stdout.split("\n");
      assert.match(lines[1], /#2 alice\w+: \(message deleted\)$/);
      const gone = await alice.run(["download", single.id]);
      assert.equal(gone.code, 4);
      assert.match(gone.stderr, /^chat: Unknown file: /);
    });

    await t.step("local problems are refused before anything is sent", async () => {
      const missing = await alice.run(["upload", "files", "notes.txt", "nope.txt"]);
      assert.equal(missing.code, 2);
      assert.equal(missing.stderr, 'chat: No such file: "nope.txt"\n');
      await Deno.writeFile(`${alice.cwd}/empty.txt`, new Uint8Array());
      const empty = await alice.run(["upload", "files", "empty.txt"]);
      assert.equal(empty.code, 2);
      assert.equal(empty.stderr, 'chat: File is empty: "empty.txt"\n');
      const dir = await alice.run(["upload", "files", "."]);
      assert.equal(dir.code, 2);
      const caption = await alice.run(["upload", "files", "notes.txt", "--text", "x".repeat(4001)]);
      assert.equal(caption.code, 2);
      assert.match(caption.stderr, /^chat: Option --text: .*4000/);
      // None of these stored a message.
      assert.equal((await bob.messages(roomId)).messages.length, 3);
    });
  } finally {
    await server.stop();
    for (const dir of [alice.cwd, alice.config, elsewhere]) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
});

Deno.test("chat upload refuses a file over the server's limit before uploading it", async () => {
  const server = await startServer({ env: { MAX_UPLOAD_MB: "1" } });
  const alice = await withUser(server, `alice${crypto.randomUUID().slice(0, 6)}`);
  try {
    await Deno.writeFile(`${alice.cwd}/big.bin`, binary(1_572_864));
    await Deno.writeFile(`${alice.cwd}/small.txt`, new TextEncoder().encode("small"));
    const created = await alice.run(["create", "Limits", "--json"]);
    const roomId = JSON.parse(created.stdout).id;
    const res = await alice.run(["upload", roomId, "small.txt", "big.bin"]);
    assert.equal(res.code, 2);
    assert.equal(res.stderr, 'chat: File is too large: "big.bin" is 1.5 MB, the limit is 1 MB\n');
    assert.equal(res.stdout, "");
    // Every file is checked before the first upload: no message was sent.
    const history = await alice.run(["history", roomId, "--json"]);
    assert.equal(history.stdout, "");
    const ok = await alice.run(["upload", roomId, "small.txt"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, "Sent small.txt (5 B) to #Limits (#1)\n");
    // More files than a message carries (10): several messages, the caption on the first.
    const names = Array.from({ length: 12 }, (_, i) => `f${i}.txt`);
    for (const name of names) await Deno.writeTextFile(`${alice.cwd}/${name}`, name);
    const many = await alice.run(["upload", roomId, ...names, "-t", "a dozen", "--json"]);
    assert.equal(many.code, 0, many.stderr);
    const messages: Message[] = many.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(messages.map((m) => [m.seq, m.text, m.files?.length]), [
      [2, "a dozen", 10],
      [3, "", 2],
    ]);
    assert.deepEqual(messages.flatMap((m) => m.files!.map((f) => f.name)), names);
  } finally {
    await server.stop();
    await Deno.remove(alice.cwd, { recursive: true }).catch(() => {});
    await Deno.remove(alice.config, { recursive: true }).catch(() => {});
  }
});
