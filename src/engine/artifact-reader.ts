import { pipeline, type Readable } from "node:stream";
import type { Backup } from "../domain/backup.ts";
import type { EngineContext } from "./context.ts";
import { decryptStream } from "./encryption.ts";

/** The artifact's plaintext (pg_dump archive bytes) from wherever its backup recorded it, decrypted when needed. */
export async function openArtifact(ctx: EngineContext, backup: Pick<Backup, "storageKey" | "storageLocation" | "encryptionKeyId">, signal?: AbortSignal): Promise<Readable> {
  if (!backup.storageKey) throw new Error("backup has no artifact");
  if (backup.encryptionKeyId) ctx.keyring.key(backup.encryptionKeyId);
  const stored = await ctx.storages.at(backup.storageLocation).get(backup.storageKey, { signal });
  if (!backup.encryptionKeyId) return stored;
  return pipeline(stored, decryptStream(ctx.keyring), () => {});
}
