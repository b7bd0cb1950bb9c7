/**
 * @module argon2id with OWASP's recommended parameters (m=19 MiB, t=2, p=1). The
 * encoded hash carries its parameters, so raising them later keeps old hashes valid.
 */

import { argon2id, argon2Verify } from "hash-wasm";

export const ARGON2_PARAMS = { memorySize: 19456, iterations: 2, parallelism: 1, hashLength: 32 };

export async function hashPassword(password: string): Promise<string> {
  return await argon2id({
    password,
    salt: crypto.getRandomValues(new Uint8Array(16)),
    ...ARGON2_PARAMS,
    outputType: "encoded",
  });
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  try {
    return await argon2Verify({ password, hash });
  } catch {
    return false;
  }
}
