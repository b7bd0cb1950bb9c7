/**
 * The account pages without JavaScript, over plain fetch against the real server
 * (tests/_server.ts): every form of `/settings` (display name, avatar, password,
 * sessions, deactivation) and `/admin` (invite codes, deactivating a user, paging)
 * answers 303 back with what happened, or the page again with the error next to
 * its field and the error's status; the register form follows the server's
 * registration mode (an invite code field on `invite`, filled from `?invite=`;
 * a "closed" page and 403 on `closed`), and the login page links to it only
 * when registering is possible.
 */

import "../lib/client/admin.ts";
import assert from "node:assert/strict";
import { ApiError, ChatApi } from "../lib/client/http.ts";
import { SESSION_COOKIE } from "../lib/http/request.ts";
import { makePng } from "./_images.ts";
import { RecordingSocket, waitFor } from "./_clients.ts";
import { startServer, type TestServer } from "./_server.ts";

const PASSWORD = "correct horse battery";
const NEW_PASSWORD = "battery staple horse";
let counter = 0;

function uniqueName(prefix: string): string {
  return `${prefix}${Date.now().toString(36).slice(-4)}${counter++}`;
}

interface Page {
  status: number;
  location: string | null;
  html: string;
  headers: Headers;
}

/** A browser without JavaScript: a cookie jar, same-origin form posts, no redirects followed. */
class FormClient {
  readonly cookies = new Map<string, string>();
  constructor(readonly base: string, readonly userAgent = "FormClient/1.0 (no JavaScript)") {}

  get session(): string | undefined {
    return this.cookies.get(SESSION_COOKIE);
  }

  async #fetch(path: string, init: RequestInit = {}): Promise<Page> {
    const headers = new Headers(init.headers);
    headers.set("user-agent", this.userAgent);
    if (this.cookies.size) {
      headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    }
    const res = await fetch(this.base + path, { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const [name, value] = pair.split("=");
      const gone = value === "" || attributes.some((a) => /max-age=0\b/i.test(a.trim()));
      if (gone) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value.trim());
    }
    const html = await res.text();
    assert.ok(res.status < 500, `${path} answered ${res.status}: ${html.slice(0, 300)}`);
    return {
      status: res.status,
      location: res.headers.get("location"),
      html,
      headers: res.headers,
    };
  }

  get(path: string): Promise<Page> {
    return this.#fetch(path);
  }

  /** A form post as a browser sends it (Origin of this site). */
  post(
    path: string,
    fields: Record<string, string> | FormData,
    options: { origin?: string | null } = {},
  ): Promise<Page> {
    const headers: Record<string, string> = {};
    if (options.origin !== null) headers.origin = options.origin ?? this.base;
    const body = fields instanceof FormData ? fields : new URLSearchParams(fields);
    return this.#fetch(path, { method: "POST", headers, body });
  }

  /** Posts and follows the 303 (as a browser does), answering the page it lands on. */
  async submit(path: string, fields: Record<string, string> | FormData): Promise<Page> {
    const answer = await this.post(path, fields);
    assert.equal(answer.status, 303, `${path} answered ${answer.status}: ${text(answer.html)}`);
    return await this.get(answer.location!.replace(/#.*$/, ""));
  }

  /** An API client with this browser's session (the cookie as a bearer token). */
  api(): ChatApi {
    return new ChatApi(this.base, { token: this.session });
  }
}

/** The page's text, tags dropped (for messages in assertions). */
function text(html: string): string {
  return html.replace(/<style[\s\S]*?<\/style>|<script[\s\S]*?<\/script>/g, "")
    .replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();
}

/** The value of the input with this id. */
function valueOf(html: string, id: string): string | undefined {
  const tag = html.match(new RegExp(`<input[^>]*\\bid="${id}"[^>]*>`))?.[0];
  return tag?.match(/\bvalue="([^"]*)"/)?.[1];
}

/** The text of the `role="alert"` element with this id. */
function alertOf(html: string, id: string): string | undefined {
  const found = html.match(new RegExp(`<p id="${id}" role="alert"[^>]*>([^<]*)</p>`));
  return found?.[1];
}

async function registered(base: string, prefix: string): Promise<FormClient> {
  const client = new FormClient(base);
  const username = uniqueName(prefix);
  const answer = await client.post("/register", { username, password: PASSWORD });
  assert.equal(answer.status, 303, text(answer.html));
  assert.ok(client.session, "registering sets the session cookie");
  return client;
}

async function withServers<T>(
  env: Record<string, string>,
  fn: (server: TestServer) => Promise<T>,
): Promise<T> {
  const server = await startServer({ env });
  try {
    const result = await fn(server);
    assert.doesNotMatch(server.output(), /"level":"error"|Uncaught|panicked/);
    return result;
  } finally {
    await server.stop();
  }
}

Deno.test({
  name: "settings without JavaScript: display name, avatar, password, sessions, deactivation",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withServers({}, async (server) => {
      const base = server.url;
      // The first account is the server's admin; these tests are about someone else.
      await registered(base, "owner");
      const ada = await registered(base, "ada");
      const me = await ada.api().me();

      await t.step("signed out: /settings sends to the login page and back", async () => {
        const answer = await new FormClient(base).get("/settings");
        assert.equal(answer.status, 303);
        assert.equal(answer.location, "/login?next=%2Fsettings");
      });

      await t.step("a form post from another site is refused", async () => {
        const answer = await ada.post("/settings/profile", { displayName: "Evil" }, {
          origin: "http://evil.example",
        });
        assert.equal(answer.status, 403);
        assert.equal((await ada.api().me()).displayName, me.username);
      });

      await t.step("display name: saved, shown, reset to the username when empty", async () => {
        const answer = await ada.post("/settings/profile", { displayName: "  Ada Lovelace " });
        assert.equal(answer.status, 303);
        assert.equal(answer.location, "/settings?done=profile#profile");
        const shown = await ada.get(answer.location!.replace(/#.*$/, ""));
        assert.equal(valueOf(shown.html, "input-displayName"), "Ada Lovelace");
        assert.match(shown.html, /role="status"[^>]*>Display name saved</);
        assert.equal((await ada.api().me()).displayName, "Ada Lovelace");

        const bad = await ada.post("/settings/profile", { displayName: "Ada\u0007" });
        assert.equal(bad.status, 400);
        assert.match(alertOf(bad.html, "input-displayName-error") ?? "", /Display name/);
        assert.match(bad.html, /id="input-displayName"[^>]*aria-invalid="true"/);
        assert.equal((await ada.api().me()).displayName, "Ada Lovelace", "nothing changed");

        await ada.submit("/settings/profile", { displayName: "" });
        assert.equal((await ada.api().me()).displayName, me.username);
      });

      await t.step(
        "avatar: multipart upload shown as a preview, refused junk, removed",
        async () => {
          const empty = new FormData();
          empty.set("avatar", new File([], "", { type: "application/octet-stream" }));
          const none = await ada.post("/settings/avatar", empty);
          assert.equal(none.status, 400);
          assert.equal(alertOf(none.html, "avatar-file-error"), "Choose an image to upload");

          const svg = new FormData();
          svg.set(
            "avatar",
            new File(['<svg xmlns="http://www.w3.org/2000/svg"/>'], "me.svg", {
              type: "image/svg+xml",
            }),
          );
          const refused = await ada.post("/settings/avatar", svg);
          assert.equal(refused.status, 400);
          assert.match(alertOf(refused.html, "avatar-file-error") ?? "", /PNG, JPEG, GIF or WebP/);
          assert.equal((await ada.api().me()).avatarUrl, undefined);

          const photo = new FormData();
          photo.set(
            "avatar",
            new File([new Uint8Array(makePng(300, 200))], "me.png", { type: "image/png" }),
          );
          const page = await ada.submit("/settings/avatar", photo);
          assert.match(page.html, /role="status"[^>]*>Avatar updated</);
          const { avatarUrl } = await ada.api().me();
          assert.match(avatarUrl ?? "", /^\/api\/avatars\//);
          assert.ok(page.html.includes(`<img src="${avatarUrl}"`), "the preview is the new avatar");
          assert.match(page.html, /Remove avatar/);
          const image = await ada.get(avatarUrl!);
          assert.equal(image.status, 200);
          assert.equal(image.headers.get("content-type"), "image/jpeg");

          const removed = await ada.submit("/settings/avatar/remove", {});
          assert.match(removed.html, /Avatar removed/);
          assert.equal((await ada.api().me()).avatarUrl, undefined);
          assert.ok(!removed.html.includes(`<img src="${avatarUrl}"`));
          assert.doesNotMatch(removed.html, /Remove avatar/);
        },
      );

      await t.step("password: checked, changed, every other session ends (4001)", async () => {
        const other = new ChatApi(base);
        await other.login(me.username, PASSWORD);
        const socket = await RecordingSocket.open(other);

        const mismatch = await ada.post("/settings/password", {
          current: PASSWORD,
          password: NEW_PASSWORD,
          confirm: `${NEW_PASSWORD}!`,
        });
        assert.equal(mismatch.status, 400);
        assert.match(alertOf(mismatch.html, "password-confirm-error") ?? "", /not the same/);

        const short = await ada.post("/settings/password", {
          current: PASSWORD,
          password: "short",
          confirm: "short",
        });
        assert.equal(short.status, 400);
        assert.match(alertOf(short.html, "password-new-error") ?? "", /^Password/);

        const wrong = await ada.post("/settings/password", {
          current: "not my password",
          password: NEW_PASSWORD,
          confirm: NEW_PASSWORD,
        });
        assert.equal(wrong.status, 401);
        assert.equal(alertOf(wrong.html, "password-current-error"), "Current password is wrong");
        assert.ok(await other.me(), "nothing changed yet: the other session goes on");

        const done = await ada.submit("/settings/password", {
          current: PASSWORD,
          password: NEW_PASSWORD,
          confirm: NEW_PASSWORD,
        });
        assert.match(done.html, /Password changed: every other session was logged out/);
        await waitFor(
          "the other session's socket closes with 4001",
          () => socket.closes.includes(4001),
        );
        await assert.rejects(other.me(), (err) => err instanceof ApiError && err.status === 401);
        assert.equal((await ada.get("/settings")).status, 200, "this session goes on");
        await assert.rejects(new ChatApi(base).login(me.username, PASSWORD));
        await new ChatApi(base).login(me.username, NEW_PASSWORD);
      });

      await t.step("sessions: listed readably, one ended, the others ended, mine", async () => {
        const curl = new ChatApi(base, { headers: { "user-agent": "curl/8.5.0" } });
        await curl.login(me.username, NEW_PASSWORD);
        const firefox = new ChatApi(base, {
          headers: {
            "user-agent":
              "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
          },
        });
        await firefox.login(me.username, NEW_PASSWORD);
        const socket = await RecordingSocket.open(curl);

        const page = await ada.get("/settings");
        const rows = [...page.html.matchAll(/<tr data-session="([^"]+)"([^>]*)>([\s\S]*?)<\/tr>/g)];
        const byDevice = (device: string) => rows.find((row) => text(row[3]).includes(device));
        const mine = rows.find((row) => row[2].includes("data-current"));
        assert.ok(mine, "this device is marked");
        assert.match(text(mine[3]), /This device/);
        assert.ok(byDevice("Firefox on Windows"), text(page.html));
        const curlRow = byDevice("curl");
        assert.ok(curlRow);
        assert.doesNotMatch(text(curlRow[3]), /This device/);

        const ended = await ada.submit(`/settings/sessions/${curlRow[1]}/end`, {});
        assert.match(ended.html, /That session was logged out/);
        await waitFor("the ended session's socket closes", () => socket.closes.includes(4001));
        await assert.rejects(curl.me(), (err) => err instanceof ApiError && err.status === 401);
        assert.ok(await firefox.me(), "the others go on");

        const missing = await ada.post("/settings/sessions/0000000000000000/end", {});
        assert.equal(missing.status, 404);
        assert.match(text(missing.html), /Session not found/);

        const all = await ada.submit("/settings/sessions/others/end", {});
        assert.match(all.html, /Every other session was logged out/);
        await assert.rejects(firefox.me(), (err) => err instanceof ApiError && err.status === 401);
        assert.doesNotMatch(all.html, /Log out all other sessions/, "no other session is left");

        const out = await ada.post(`/settings/sessions/${mine[1]}/end`, {});
        assert.equal(out.status, 303);
        assert.equal(out.location, "/login");
        assert.equal(ada.session, undefined, "the cookie is cleared");
        assert.equal((await ada.get("/settings")).status, 303);
      });

      await t.step("deactivate: the password again, then logged out with a notice", async () => {
        const bob = await registered(base, "bob");
        const bobMe = await bob.api().me();
        const settings = await bob.get("/settings");
        assert.match(settings.html, /href="\/settings\/deactivate"/);
        const confirm = await bob.get("/settings/deactivate");
        assert.equal(confirm.status, 200);
        assert.match(text(confirm.html), /This cannot be undone/);
        const wrong = await bob.post("/settings/deactivate", { password: "wrong password" });
        assert.equal(wrong.status, 401);
        assert.equal(alertOf(wrong.html, "deactivate-password-error"), "Password is wrong");
        assert.ok(await bob.api().me(), "still active");

        const token = bob.session;
        const done = await bob.post("/settings/deactivate", { password: PASSWORD });
        assert.equal(done.status, 303);
        assert.equal(done.location, "/login?notice=deactivated");
        assert.equal(bob.session, undefined);
        const login = await bob.get(done.location!);
        assert.match(login.html, /role="status"[^>]*>Your account is deactivated/);
        await assert.rejects(
          new ChatApi(base, { token }).me(),
          (err) => err instanceof ApiError && err.status === 401,
        );
        await assert.rejects(new ChatApi(base).login(bobMe.username, PASSWORD));
      });
    });
  },
});

Deno.test({
  name: "admin page without JavaScript: 403 for others, invites, deactivation, paging",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withServers({ REGISTRATION: "invite" }, async (server) => {
      const base = server.url;
      const admin = await registered(base, "root");
      assert.equal((await admin.api().me()).serverAdmin, true);

      await t.step("signed out: the login page; not the admin: 403", async () => {
        const anonymous = await new FormClient(base).get("/admin");
        assert.equal(anonymous.status, 303);
        assert.equal(anonymous.location, "/login?next=%2Fadmin");
        const { code } = await admin.api().createServerInvite({});
        const eve = new FormClient(base);
        const joined = await eve.post("/register", {
          username: uniqueName("eve"),
          password: PASSWORD,
          invite: code,
        });
        assert.equal(joined.status, 303);
        const refused = await eve.get("/admin");
        assert.equal(refused.status, 403);
        assert.match(text(refused.html), /You do not have access/);
        assert.doesNotMatch(refused.html, /Invite codes/);
        const post = await eve.post("/admin/invites", { uses: "5", expiresInDays: "5" });
        assert.equal(post.status, 403);
        assert.equal((await admin.api().serverInvites()).length, 1, "no invite was made");
      });

      let code = "";
      await t.step("invites: bad input next to its field, a new code shown once", async () => {
        const bad = await admin.post("/admin/invites", { uses: "5000", expiresInDays: "7" });
        assert.equal(bad.status, 400);
        assert.match(alertOf(bad.html, "invite-uses-error") ?? "", /^Uses must be/);
        assert.equal(valueOf(bad.html, "invite-uses"), "5000", "the value entered stays");

        const made = await admin.post("/admin/invites", { uses: "2", expiresInDays: "3" });
        assert.equal(made.status, 303);
        assert.equal(made.location, "/admin#invites");
        const page = await admin.get("/admin");
        code = valueOf(page.html, "input-new-invite-code") ?? "";
        assert.match(code, /^[a-z2-7]{26}$/);
        assert.equal(
          valueOf(page.html, "input-new-invite-link"),
          `${base}/register?invite=${code}`,
        );
        assert.match(text(page.html), /0 of 2/);
        const again = await admin.get("/admin");
        assert.equal(valueOf(again.html, "input-new-invite-code"), undefined, "shown only once");
        // The server's activity card: this server has stored no message yet.
        assert.match(text(again.html), /Server activity/);
        assert.match(text(again.html), /Messages stored\s*none yet/);
        assert.match(text(again.html), /KV commits\s*[1-9][\d,]*, \d+ of them with a failed check/);
      });

      await t.step("register with the link: prefilled, wrong code next to its field", async () => {
        const visitor = new FormClient(base);
        const form = await visitor.get(`/register?invite=${code}`);
        assert.equal(form.status, 200);
        assert.equal(valueOf(form.html, "input-invite"), code);
        const name = uniqueName("kim");
        const without = await visitor.post("/register", { username: name, password: PASSWORD });
        assert.equal(without.status, 403);
        assert.match(alertOf(without.html, "input-invite-error") ?? "", /invite code is needed/);
        assert.equal(valueOf(without.html, "input-username"), name, "the username stays");
        const wrong = await visitor.post("/register", {
          username: name,
          password: PASSWORD,
          invite: "a".repeat(26),
        });
        assert.equal(wrong.status, 403);
        assert.match(alertOf(wrong.html, "input-invite-error") ?? "", /not valid/);
        const ok = await visitor.post("/register", {
          username: name,
          password: PASSWORD,
          invite: code,
        });
        assert.equal(ok.status, 303);
        assert.equal((await visitor.api().me()).username, name);
        assert.match(text((await admin.get("/admin")).html), /1 of 2/);
      });

      await t.step("revoke: the code stops working", async () => {
        const [invite] = (await admin.api().serverInvites()).filter((i) => !i.spent);
        const page = await admin.submit(`/admin/invites/${invite.id}/revoke`, {});
        assert.match(page.html, /Invite code revoked/);
        assert.match(page.html, new RegExp(`data-invite="${invite.id}"[\\s\\S]*?Spent`));
        const late = await new FormClient(base).post("/register", {
          username: uniqueName("late"),
          password: PASSWORD,
          invite: code,
        });
        assert.equal(late.status, 403);
        const missing = await admin.post("/admin/invites/00000000000000000000/revoke", {});
        assert.equal(missing.status, 404);
        assert.match(text(missing.html), /Invite not found/);
      });

      await t.step("deactivate a user: a confirmation first, then their sessions end", async () => {
        const { code } = await admin.api().createServerInvite({});
        const sam = new ChatApi(base);
        const name = uniqueName("sam");
        const { user } = await sam.registerWithInvite(name, PASSWORD, code);
        const socket = await RecordingSocket.open(sam);

        const list = await admin.get("/admin");
        const href = `/admin/users/${user.id}/deactivate?username=${name}`;
        assert.ok(list.html.includes(`href="${href}"`), "the row links to the confirmation");
        const confirm = await admin.get(href);
        assert.equal(confirm.status, 200);
        assert.match(text(confirm.html), /This cannot be undone/);
        const spoofed = await admin.get(`/admin/users/${user.id}/deactivate?username=nobody_x`);
        assert.equal(spoofed.status, 404);

        const unticked = await admin.post(`/admin/users/${user.id}/deactivate`, {
          username: name,
        });
        assert.equal(unticked.status, 400);
        assert.match(text(unticked.html), /Tick the box to confirm first/);
        assert.ok(await sam.me(), "not yet");

        const done = await admin.submit(`/admin/users/${user.id}/deactivate`, {
          username: name,
          confirm: "yes",
        });
        assert.match(done.html, /Account deactivated/);
        assert.match(done.html, new RegExp(`data-user="${name}"[\\s\\S]*?Deactivated`));
        await waitFor("their socket closes with 4001", () => socket.closes.includes(4001));
        await assert.rejects(sam.me(), (err) => err instanceof ApiError && err.status === 401);

        const me = await admin.api().me();
        const self = await admin.post(`/admin/users/${me.id}/deactivate`, {
          username: me.username,
          confirm: "yes",
        });
        assert.equal(self.status, 403);
        assert.match(text(self.html), /cannot be deactivated/);
      });

      await t.step("rooms with member counts, a page at a time", async () => {
        const api = admin.api();
        const names: string[] = [];
        for (let i = 0; i < 27; i++) {
          const name = `paged-${String(i).padStart(2, "0")}-${crypto.randomUUID().slice(0, 4)}`;
          names.push(name);
          await api.createRoom(name);
        }
        const first = await admin.get("/admin");
        const roomRows = (html: string) => [...html.matchAll(/<tr data-room="[^"]+"/g)].length;
        assert.equal(roomRows(first.html), 25);
        const next = first.html.match(
          /<nav aria-label="Pages of rooms"[\s\S]*?href="([^"]+)" rel="next"/,
        );
        assert.ok(next, "a next page of rooms");
        const second = await admin.get(next[1].replace(/&amp;/g, "&").replace(/#.*$/, ""));
        assert.equal(second.status, 200);
        assert.equal(roomRows(second.html), 2);
        assert.match(second.html, /First page/);
        const everything = text(first.html) + text(second.html);
        for (const name of names) assert.ok(everything.includes(`#${name}`), name);
        assert.match(first.html, /data-member-count[^>]*>1</);
      });
    });
  },
});

Deno.test({
  name: "registration closed: the register page says so, a post is 403, login hides the link",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withServers({ REGISTRATION: "closed" }, async (server) => {
      const base = server.url;
      // The server's first account may always register (someone has to hold it).
      const owner = await registered(base, "first");
      const visitor = new FormClient(base);
      const page = await visitor.get("/register");
      assert.equal(page.status, 200);
      assert.match(page.html, /role="alert"[^>]*>Registration is closed on this server</);
      assert.doesNotMatch(page.html, /<form/, "no form to fill in");
      const post = await visitor.post("/register", {
        username: uniqueName("late"),
        password: PASSWORD,
      });
      assert.equal(post.status, 403);
      assert.match(text(post.html), /Registration is closed on this server/);
      assert.equal(visitor.session, undefined);
      const login = await visitor.get("/login");
      assert.doesNotMatch(login.html, /href="\/register/);
      assert.ok((await owner.api().me()).serverAdmin);
    });
    await withServers({}, async (server) => {
      const login = await new FormClient(server.url).get("/login");
      assert.match(login.html, /href="\/register"/, "an open server links to registering");
      const register = await new FormClient(server.url).get("/register?invite=abc");
      assert.equal(valueOf(register.html, "input-invite"), undefined, "no invite field when open");
    });
  },
});
