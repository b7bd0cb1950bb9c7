/**
 * @module The worker that runs argon2id off the main thread, so a burst of logins
 * never stalls message delivery. It answers `{id, result}` or `{id, error}`.
 */

import { hashPassword, verifyPassword } from "./_argon2.ts";

interface Job {
  id: number;
  op: "hash" | "verify";
  password: string;
  hash?: string;
}

self.onmessage = async (event: MessageEvent<Job>) => {
  const { id, op, password, hash } = event.data;
  try {
    const result = op === "hash"
      ? await hashPassword(password)
      : await verifyPassword(password, hash!);
    self.postMessage({ id, result });
  } catch (err) {
    self.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};
