import assert from "node:assert/strict";
import {
  configDir,
  type Credentials,
  credentialsPath,
  deleteCredentials,
  loadCredentials,
  loadSettings,
  saveCredentials,
  saveSettings,
  settingsPath,
} from "./config.ts";

const CREDS: Credentials = {
  server: "http://127.0.0.1:8000",
  username: "alice",
  userId: "u1",
  token: "secret-token",
  savedAt: 1,
};

function envOf(vars: Record<string, string>) {
  return (name: string) => vars[name];
}

Deno.test("configDir() prefers an absolute XDG_CONFIG_HOME, else ~/.config", () => {
  assert.equal(
    configDir(envOf({ XDG_CONFIG_HOME: "/x/cfg/", HOME: "/home/a" })),
    "/x/cfg/deno-chat",
  );
  assert.equal(
    configDir(envOf({ XDG_CONFIG_HOME: "rel", HOME: "/home/a" })),
    "/home/a/.config/deno-chat",
  );
  assert.equal(
    credentialsPath(envOf({ HOME: "/home/a" })),
    "/home/a/.config/deno-chat/credentials.json",
  );
  assert.throws(() => configDir(envOf({})), /HOME is not set/);
});

Deno.test("saveCredentials() writes a 0600 file in a 0700 directory that loads back", async () => {
  const root = await Deno.makeTempDir();
  const path = `${root}/deno-chat/credentials.json`;
  try {
    await saveCredentials(CREDS, path);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(`${root}/deno-chat`)).mode! & 0o777, 0o700);
    assert.deepEqual(await loadCredentials(path), CREDS);
    // Overwriting an existing file keeps the mode and leaves no temporary file.
    await Deno.chmod(path, 0o644);
    await saveCredentials({ ...CREDS, username: "bob" }, path);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.equal((await loadCredentials(path))?.username, "bob");
    const names = [...Deno.readDirSync(`${root}/deno-chat`)].map((e) => e.name);
    assert.deepEqual(names, ["credentials.json"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("loadCredentials() answers undefined for a missing or garbled file", async () => {
  const root = await Deno.makeTempDir();
  try {
    assert.equal(await loadCredentials(`${root}/nope.json`), undefined);
    await Deno.writeTextFile(`${root}/bad.json`, "{not json");
    assert.equal(await loadCredentials(`${root}/bad.json`), undefined);
    await Deno.writeTextFile(`${root}/empty.json`, '{"server":"x","username":"a","token":""}');
    assert.equal(await loadCredentials(`${root}/empty.json`), undefined);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("deleteCredentials() removes the file and tells whether there was one", async () => {
  const root = await Deno.makeTempDir();
  const path = `${root}/c.json`;
  try {
    await saveCredentials(CREDS, path);
    assert.equal(await deleteCredentials(path), true);
    assert.equal(await deleteCredentials(path), false);
    assert.equal(await loadCredentials(path), undefined);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("settings default to the bell on, and are saved beside the credentials", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = settingsPath(`${dir}/deno-chat/credentials.json`);
    assert.equal(path, `${dir}/deno-chat/config.json`);
    assert.deepEqual(await loadSettings(path), { bell: true });
    await saveSettings({ bell: false }, path);
    assert.deepEqual(await loadSettings(path), { bell: false });
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    // What a newer client wrote stays; a broken file means the defaults.
    await Deno.writeTextFile(path, JSON.stringify({ bell: false, theme: "dark" }));
    await saveSettings({ bell: true }, path);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), { bell: true, theme: "dark" });
    await Deno.writeTextFile(path, "{not json");
    assert.deepEqual(await loadSettings(path), { bell: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
