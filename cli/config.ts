/**
 * @module The credentials store of the terminal client: the server URL, username
 * and session token of the last login, in `$XDG_CONFIG_HOME/deno-chat/credentials.json`
 * (or `~/.config/deno-chat/credentials.json`), readable by its owner only (0600).
 */

export interface Credentials {
  server: string;
  username: string;
  userId: string;
  token: string;
  /** When the login happened (ms since the epoch). */
  savedAt: number;
}

export const APP_DIR = "deno-chat";
export const CREDENTIALS_FILE = "credentials.json";

/**
 * The directory of our configuration. Per the XDG spec a relative
 * `XDG_CONFIG_HOME` is ignored.
 */
export function configDir(env: (name: string) => string | undefined = Deno.env.get): string {
  const xdg = env("XDG_CONFIG_HOME");
  if (xdg && xdg.startsWith("/")) return `${xdg.replace(/\/+$/, "")}/${APP_DIR}`;
  const home = env("HOME");
  if (!home) throw new Error("Cannot find the configuration directory: HOME is not set");
  return `${home.replace(/\/+$/, "")}/.config/${APP_DIR}`;
}

export function credentialsPath(env?: (name: string) => string | undefined): string {
  return `${configDir(env)}/${CREDENTIALS_FILE}`;
}

function isCredentials(value: unknown): value is Credentials {
  const v = value as Record<string, unknown>;
  return typeof v === "object" && v !== null && typeof v.server === "string" &&
    typeof v.username === "string" && typeof v.token === "string" && v.token.length > 0;
}

/** The saved credentials; undefined when there are none or the file is unreadable. */
export async function loadCredentials(path = credentialsPath()): Promise<Credentials | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
  try {
    const data = JSON.parse(text);
    if (!isCredentials(data)) return undefined;
    return {
      server: data.server,
      username: data.username,
      userId: typeof data.userId === "string" ? data.userId : "",
      token: data.token,
      savedAt: typeof data.savedAt === "number" ? data.savedAt : 0,
    };
  } catch {
    return undefined;
  }
}

/**
 * Saves credentials with mode 0600 in a 0700 directory. Written to a temporary
 * file first and renamed, so a crash never leaves half a file, and the token is
 * never readable by others, not even for a moment (the mode is set at creation).
 */
export async function saveCredentials(
  credentials: Credentials,
  path = credentialsPath(),
): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/"));
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  const text = JSON.stringify(credentials, null, 2) + "\n";
  try {
    await Deno.writeTextFile(tmp, text, { mode: 0o600, createNew: true });
    // The umask cannot widen 0600, but an inherited ACL or odd umask could narrow
    // it in surprising ways: set it explicitly.
    await Deno.chmod(tmp, 0o600);
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}

/** Deletes the saved credentials; true when there were some. */
export async function deleteCredentials(path = credentialsPath()): Promise<boolean> {
  try {
    await Deno.remove(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}
