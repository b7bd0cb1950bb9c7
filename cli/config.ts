/**
 * @module The files of the terminal client: the credentials store (the server URL,
 * username and session token of the last login, in
 * `$XDG_CONFIG_HOME/deno-chat/credentials.json`, or `~/.config/deno-chat/…`),
 * readable by its owner only (0600), and its settings (`config.json` beside it:
 * the preferences `/set` changes).
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
export const SETTINGS_FILE = "config.json";

/** The preferences of the interactive mode (`/set NAME VALUE`). */
export interface ClientSettings {
  /** Ring the terminal bell on a mention of me, a direct message, a notification. */
  bell: boolean;
}

export const DEFAULT_SETTINGS: ClientSettings = { bell: true };

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

/** The settings file, in the directory of the credentials file `credentials`. */
export function settingsPath(credentials = credentialsPath()): string {
  return `${credentials.slice(0, credentials.lastIndexOf("/"))}/${SETTINGS_FILE}`;
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
 * Writes a file of ours with mode 0600 in a 0700 directory. Written to a temporary
 * file first and renamed, so a crash never leaves half a file, and a token is
 * never readable by others, not even for a moment (the mode is set at creation).
 */
async function writePrivate(path: string, text: string): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/"));
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
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

/** Saves credentials, readable by their owner only (see `writePrivate`). */
export function saveCredentials(
  credentials: Credentials,
  path = credentialsPath(),
): Promise<void> {
  return writePrivate(path, JSON.stringify(credentials, null, 2) + "\n");
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

/**
 * The saved settings, the defaults filling in what is missing; the defaults when
 * there is no file or it is unreadable (a setting is never worth failing for).
 */
export async function loadSettings(path = settingsPath()): Promise<ClientSettings> {
  try {
    const data = JSON.parse(await Deno.readTextFile(path));
    const bell = typeof data?.bell === "boolean" ? data.bell : DEFAULT_SETTINGS.bell;
    return { ...DEFAULT_SETTINGS, bell };
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
}

/** Saves the settings, keeping what else the file holds (a newer client's). */
export async function saveSettings(
  settings: ClientSettings,
  path = settingsPath(),
): Promise<void> {
  let kept: Record<string, unknown> = {};
  try {
    const data = JSON.parse(await Deno.readTextFile(path));
    if (typeof data === "object" && data !== null && !Array.isArray(data)) kept = data;
  } catch { /* none yet, or unreadable: start again */ }
  await writePrivate(path, JSON.stringify({ ...kept, ...settings }, null, 2) + "\n");
}
