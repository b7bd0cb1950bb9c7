import assert from "node:assert/strict";
import { parseArgs } from "./args.ts";
import { saveCredentials } from "./config.ts";
import { createContext, DEFAULT_SERVER, requireLogin, resolveServer } from "./context.ts";
import { NotLoggedInError } from "./errors.ts";

Deno.test("resolveServer() prefers the flag, then CHAT_SERVER, then the saved one", () => {
  const saved = "http://h3:3";
  assert.equal(resolveServer({ flag: "h1:1", env: "http://h2:2", saved }), "http://h1:1");
  assert.equal(resolveServer({ env: "http://h2:2/", saved }), "http://h2:2");
  assert.equal(resolveServer({ env: "", saved }), "http://h3:3");
  assert.equal(resolveServer({}), DEFAULT_SERVER);
});

Deno.test("createContext() uses the saved session only for its own server", async () => {
  const root = await Deno.makeTempDir();
  const env = (name: string) => ({ XDG_CONFIG_HOME: root } as Record<string, string>)[name];
  try {
    await saveCredentials({
      server: "http://127.0.0.1:9",
      username: "alice",
      userId: "u1",
      token: "t0k",
      savedAt: 1,
    }, `${root}/deno-chat/credentials.json`);
    const same = await createContext(parseArgs(["rooms"]), { env });
    assert.equal(same.server, "http://127.0.0.1:9");
    assert.equal(same.api.token, "t0k");
    assert.equal(requireLogin(same).username, "alice");
    const other = await createContext(parseArgs(["rooms", "--server", "http://other:1"]), { env });
    assert.equal(other.credentials, undefined);
    assert.equal(other.api.token, undefined);
    assert.throws(() => requireLogin(other), NotLoggedInError);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
