import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import type { FileInfo } from "../lib/protocol/types.ts";
import { fileIcon, formatBytes, isImage, MessageFiles } from "./message_files.tsx";
import { MessageRow } from "./message_row.tsx";

const photo: FileInfo = {
  id: "f1",
  name: "cat.png",
  size: 123_456,
  type: "image/png",
  url: "/api/files/f1/cat.png",
  width: 1600,
  height: 1200,
  thumbUrl: "/api/thumbs/f1",
  thumbWidth: 400,
  thumbHeight: 300,
  sha256: "0".repeat(64),
};
const notes: FileInfo = {
  id: "f2",
  name: "notes.txt",
  size: 720,
  type: "text/plain",
  url: "/api/files/f2/notes.txt",
  sha256: "1".repeat(64),
};

Deno.test("formatBytes() says sizes in binary units, one decimal below 10", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1024), "1 KB");
  assert.equal(formatBytes(1536), "1.5 KB");
  assert.equal(formatBytes(340 * 1024), "340 KB");
  assert.equal(formatBytes(1.2 * 1024 * 1024), "1.2 MB");
  assert.equal(formatBytes(25 * 1024 * 1024), "25 MB");
  assert.equal(formatBytes(3 * 1024 ** 3), "3 GB");
});

Deno.test("isImage() takes PNG, JPEG, GIF and WebP with a thumbnail, never SVG", () => {
  assert.ok(isImage(photo));
  assert.ok(isImage({ ...photo, type: "image/webp" }));
  assert.ok(!isImage({ ...photo, thumbUrl: undefined }));
  assert.ok(!isImage({ ...photo, type: "image/svg+xml" }));
  assert.ok(!isImage(notes));
  assert.equal(fileIcon("image/svg+xml"), "image");
  assert.equal(fileIcon("application/zip"), "archive");
  assert.equal(fileIcon("audio/mpeg"), "audio");
  assert.equal(fileIcon("application/pdf"), "file");
});

Deno.test("MessageFiles renders a sized thumbnail link and a download card", () => {
  const html = renderToString(<MessageFiles files={[photo, notes]} />);
  assert.match(
    html,
    /<a href="\/api\/files\/f1\/cat\.png" data-file="f1" data-image[^>]*><img src="\/api\/thumbs\/f1" width="400" height="300" loading="lazy" alt="cat\.png" class="[^"]*h-auto max-w-full/,
  );
  assert.match(html, /<a href="\/api\/files\/f2\/notes\.txt" download="notes\.txt" data-file="f2"/);
  assert.match(html, />notes\.txt<\/bdi>/);
  assert.match(html, />720 B</);
  assert.match(html, /<use href="\/icons\.svg#file"/);
  assert.ok(!html.includes("style="), "no inline styles (the CSP forbids them)");
});

Deno.test("MessageFiles keeps hostile names as text", () => {
  const name = `"><img src=x onerror=alert(1)>.txt`;
  const html = renderToString(<MessageFiles files={[{ ...notes, name }]} />);
  assert.ok(!html.includes("<img"), html);
  assert.match(html, /download="&quot;>&lt;img src=x onerror=alert\(1\)>\.txt"/);
});

Deno.test("MessageRow shows files, without an empty text, and none once deleted", () => {
  const message = {
    seq: 3,
    userId: "u1",
    username: "ada",
    text: "",
    createdAt: Date.UTC(2025, 0, 1),
    files: [photo],
  };
  const clock = { locale: "en-US", timeZone: "UTC" };
  const html = renderToString(<MessageRow message={message} clock={clock} />);
  assert.ok(!html.includes("data-text"), "no paragraph for an empty caption");
  assert.match(html, /data-file="f1"/);
  const deleted = renderToString(
    <MessageRow message={{ ...message, deleted: true }} clock={clock} />,
  );
  assert.ok(!deleted.includes("data-file"));
  assert.match(deleted, /message deleted/);
});

Deno.test("files of a room I am not in are named but neither linked nor shown", () => {
  const html = renderToString(<MessageFiles files={[photo, notes]} locked />);
  assert.doesNotMatch(
    html,
    /<img|<a |\/api\/(files|thumbs)\//,
    "no thumbnail, no link: the server says 404",
  );
  assert.match(html, /cat\.png/);
  assert.match(html, /notes\.txt/);
  assert.equal(html.match(/data-locked/g)?.length, 2);
  assert.match(html, /join to open/);
});
