import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ChatApi } from "../../lib/client/http.ts";
import type { Message, Room } from "../../lib/protocol/types.ts";
import { Model } from "./model.ts";
import {
  defaultDownloadDir,
  escapePath,
  expandHome,
  FileActions,
  parseDownloadArgs,
  pathCompletions,
  splitPathArg,
} from "./file_actions.ts";

Deno.test("splitPathArg() reads a quoted or escaped path and leaves the caption", () => {
  assert.deepEqual(splitPathArg("report.pdf the numbers"), {
    path: "report.pdf",
    rest: "the numbers",
  });
  assert.deepEqual(splitPathArg(`"my report.pdf"  see  this`), {
    path: "my report.pdf",
    rest: "see  this",
  });
  assert.deepEqual(splitPathArg("'it''s.txt'"), { path: "its.txt", rest: "" });
  assert.deepEqual(splitPathArg("my\\ report.pdf"), { path: "my report.pdf", rest: "" });
  assert.deepEqual(splitPathArg("a.txt line one\nline two"), {
    path: "a.txt",
    rest: "line one\nline two",
  });
  assert.deepEqual(splitPathArg(""), { path: "", rest: "" });
});

Deno.test("escapePath() is read back by splitPathArg()", () => {
  for (const path of ["plain.txt", "my report.pdf", `it's "quoted".txt`, "back\\slash", "tab\tx"]) {
    assert.equal(splitPathArg(`${escapePath(path)} caption`).path, path);
  }
});

Deno.test("expandHome() expands a leading ~ only", () => {
  assert.equal(expandHome("~/a.txt", "/home/me"), "/home/me/a.txt");
  assert.equal(expandHome("~", "/home/me/"), "/home/me/");
  assert.equal(expandHome("a/~/b", "/home/me"), "a/~/b");
  assert.equal(expandHome("~bob/x", "/home/me"), "~bob/x");
  assert.equal(expandHome("~/x", undefined), "~/x");
});

Deno.test("parseDownloadArgs() takes SEQ (12 or #12) and which file", () => {
  assert.deepEqual(parseDownloadArgs(["3"]), { seq: 3, index: undefined });
  assert.deepEqual(parseDownloadArgs(["#12", "2"]), { seq: 12, index: 2 });
  for (const args of [[], ["x"], ["0"], ["3", "0"], ["3", "a"], ["1", "2", "3"]]) {
    assert.throws(() => parseDownloadArgs(args), /Usage: \/download SEQ \[N\]/);
  }
});

Deno.test("defaultDownloadDir() is CHAT_DOWNLOAD_DIR (with ~), else the current directory", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(defaultDownloadDir(env({ CHAT_DOWNLOAD_DIR: "~/dl", HOME: "/h" })), "/h/dl");
  assert.equal(defaultDownloadDir(env({})), Deno.cwd());
});

Deno.test("pathCompletions() lists matching entries, directories with /, hidden ones on .", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/sub dir`);
    await Deno.writeTextFile(`${dir}/report.pdf`, "x");
    await Deno.writeTextFile(`${dir}/readme.md`, "x");
    await Deno.writeTextFile(`${dir}/.hidden`, "x");
    assert.deepEqual(pathCompletions(`${dir}/re`), [`${dir}/readme.md`, `${dir}/report.pdf`]);
    assert.deepEqual(pathCompletions(`${dir}/s`), [`${escapePath(dir)}/sub\\ dir/`]);
    assert.deepEqual(pathCompletions(`${dir}/`).length, 3);
    assert.deepEqual(pathCompletions(`${dir}/.h`), [`${dir}/.hidden`]);
    assert.deepEqual(pathCompletions("~/re", dir), ["~/readme.md", "~/report.pdf"]);
    assert.deepEqual(pathCompletions(`${dir}/nope/x`), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function fakeApi(handler: (req: Request) => Response | Promise<Response>) {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, handler);
  const api = new ChatApi(`http://127.0.0.1:${server.addr.port}`, { token: "t" });
  return { api, close: () => server.shutdown() };
}

const TEXT = new TextEncoder().encode("hello, file\n");
const SHA = createHash("sha256").update(TEXT).digest("hex");
const FILES = [
  {
    id: "f1",
    name: "one.txt",
    size: TEXT.length,
    type: "text/plain",
    url: "/api/files/f1/one.txt",
    sha256: SHA,
  },
  {
    id: "f2",
    name: "two.txt",
    size: TEXT.length,
    type: "text/plain",
    url: "/api/files/f2/two.txt",
    sha256: SHA,
  },
];

function setup(api: ChatApi, dir: string, sent: unknown[] = []) {
  const model = new Model("http://x");
  model.user = { id: "me", username: "me" };
  model.upsertRoom(
    { id: "r1", name: "general", topic: "", kind: "public", createdAt: 0, lastSeq: 0 } as Room,
  );
  model.switchTo("r1");
  const msg = (seq: number, extra: Partial<Message>): Message => ({
    id: `m${seq}`,
    roomId: "r1",
    seq,
    userId: "u",
    username: "bob",
    text: "",
    createdAt: 0,
    ...extra,
  });
  model.addMessages("r1", [
    msg(1, { text: "no files" }),
    msg(2, { files: FILES }),
    msg(3, { deleted: true }),
  ]);
  let changes = 0;
  const actions = new FileActions(model, {
    api: () => api,
    send: (roomId, text, files, restore) => sent.push({ roomId, text, files, restore }),
    changed: () => changes++,
    downloadDir: () => dir,
  });
  return { model, actions, changes: () => changes };
}

Deno.test("FileActions.download() saves all files of SEQ, or its N-th, under free names", async () => {
  const dir = await Deno.makeTempDir();
  const { api, close } = fakeApi(() =>
    new Response(TEXT, {
      headers: { etag: `"${SHA}"`, "content-disposition": `attachment; filename="x.txt"` },
    })
  );
  try {
    const { model, actions } = setup(api, dir);
    await actions.download(2);
    await actions.download(2, 2);
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, ["x (1).txt", "x (2).txt", "x.txt"]);
    const notices = model.entries.filter((e) => e.kind === "notice").map((e) =>
      (e as { text: string }).text
    );
    assert.ok(notices.includes(`Saved x.txt (12 B) to ${dir}/x (2).txt`), notices.join("\n"));
    assert.deepEqual(model.transfers, []);
    await assert.rejects(actions.download(1), /Message #1 has no files/);
    await assert.rejects(actions.download(3), /Message #3 was deleted: its files are gone/);
    await assert.rejects(actions.download(2, 3), /Message #2 has 2 files: \/download 2 1…2/);
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FileActions.upload() checks the size first, uploads, then sends with the caption", async () => {
  const dir = await Deno.makeTempDir();
  const sent: unknown[] = [];
  let uploads = 0;
  const { api, close } = fakeApi(async (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/api/config") {
      return Response.json({
        maxUploadBytes: 100,
        maxFilesPerMessage: 10,
        uploadQuotaBytesPerDay: 1e9,
        registration: "open",
      });
    }
    uploads++;
    const body = new Uint8Array(await req.arrayBuffer());
    return Response.json({ file: { ...FILES[0], size: body.length } }, { status: 201 });
  });
  try {
    await Deno.writeFile(`${dir}/ok.txt`, TEXT);
    await Deno.writeFile(`${dir}/big.bin`, new Uint8Array(101));
    const { actions, model } = setup(api, dir, sent);
    await actions.upload(`${dir}/ok.txt`, "a caption", "/upload ok.txt a caption");
    assert.deepEqual(sent, [{
      roomId: "r1",
      text: "a caption",
      files: [{ ...FILES[0], size: TEXT.length }],
      restore: "/upload ok.txt a caption",
    }]);
    await assert.rejects(
      actions.upload(`${dir}/big.bin`, "", "/upload big.bin"),
      /File is too large: ".*big.bin" is 101 B, the limit is 100 B/,
    );
    assert.equal(uploads, 1);
    assert.deepEqual(model.transfers, []);
  } finally {
    await close();
    await Deno.remove(dir, { recursive: true });
  }
});
