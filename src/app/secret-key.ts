import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidInput } from "../domain/errors.ts";
import type { PgproofConfig } from "./config.ts";

function decodeKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, "hex") : Buffer.from(trimmed, "base64");
  if (key.length !== 32) throw new InvalidInput(`${where} must hold 32 bytes, as 64 hex digits or base64`);
  return key;
}

/** The key that seals connection URLs in the catalog. Every replica must use the same one. */
export async function loadSecretKey(config: PgproofConfig): Promise<Buffer> {
  if (config.secretKey) return decodeKey(config.secretKey, "PGPROOF_SECRET_KEY");
  const file = join(config.home, "secret.key");
  try {
    return decodeKey(await readFile(file, "utf8"), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(config.home, { recursive: true });
  const key = randomBytes(32);
  // "wx": two processes starting at once must not overwrite each other's key.
  await writeFile(file, key.toString("base64") + "\n", { mode: 0o600, flag: "wx" }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
  return decodeKey(await readFile(file, "utf8"), file);
}
