/**
 * @module A small leveled logger. It is given event names and ids, never message
 * bodies, passwords or tokens: callers pass only what is safe to keep in logs.
 */

type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
let threshold: number = ORDER.info;

export function setLogLevel(level: Level): void {
  threshold = ORDER[level];
}

function write(level: Level, event: string, fields?: Record<string, unknown>): void {
  if (ORDER[level] < threshold) return;
  const line = JSON.stringify({ t: new Date().toISOString(), level, event, ...fields });
  if (level === "error" || level === "warn") console.error(line);
  else console.log(line);
}

/** Error details for a log line: name and message (stack only at debug level). */
export function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    return threshold <= ORDER.debug
      ? { error: err.name, detail: err.message, stack: err.stack }
      : { error: err.name, detail: err.message };
  }
  return { error: String(err) };
}

export const log = {
  debug: (event: string, fields?: Record<string, unknown>) => write("debug", event, fields),
  info: (event: string, fields?: Record<string, unknown>) => write("info", event, fields),
  warn: (event: string, fields?: Record<string, unknown>) => write("warn", event, fields),
  error: (event: string, fields?: Record<string, unknown>) => write("error", event, fields),
};
