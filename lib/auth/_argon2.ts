/**
 * @module argon2id with OWASP's recommended parameters (m=19 MiB, t=2, p=1). The
 * encoded hash carries its parameters, so raising them later keeps old hashes valid.
 */

export const ARGON2_PARAMS = { memorySize: 19456, iterations: 2, parallelism: 1, hashLength: 32 };

/**
 * hash-wasm, loaded by the first hash rather than at start-up: its package is
 * CommonJS (UMD), which costs a cold start ~25 ms, and on the main thread it is only
 * the fallback for hosts without workers.
 */
function argon2(): Promise<typeof import("hash-wasm")> {
  return import("hash-wasm");
}

export async function hashPassword(password: string): Promise<string> {
  const { argon2id } = await argon2();
  return await argon2id({
    password,
    salt: crypto.getRandomValues(new Uint8Array(16)),
    ...ARGON2_PARAMS,
    outputType: "encoded",
  });
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const { argon2Verify } = await argon2();
  try {
    return await argon2Verify({ password, hash });
  } catch {
    return false;
  }
}
