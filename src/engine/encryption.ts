import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { DecryptionFailed, EncryptionKeyMissing, InvalidInput } from "../domain/errors.ts";

/**
 * Artifact encryption at rest: AES-256-GCM in chunks.
 *   header: "PGPENC01" | key id length (1) | key id | nonce prefix (8)
 *   chunk:  plaintext length (4, BE) | final flag (1) | ciphertext | tag (16)
 * Each chunk's nonce is the prefix and the chunk's index; its associated data is the header, the
 * index and the final flag. Swapped chunks, a dropped tail or a changed byte fail authentication.
 */
const MAGIC = Buffer.from("PGPENC01");
const CHUNK = 64 * 1024;
const TAG = 16;

export class Keyring {
  private readonly keys: ReadonlyMap<string, Buffer>;
  readonly activeId: string | undefined;

  constructor(keys: ReadonlyMap<string, Buffer>, activeId?: string) {
    for (const [id, key] of keys) {
      if (key.length !== 32) throw new InvalidInput(`encryption key ${id} must be 32 bytes`);
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new InvalidInput(`encryption key id ${JSON.stringify(id)} must be 1-64 letters, digits, '.', '_' or '-'`);
    }
    if (activeId && !keys.has(activeId)) throw new InvalidInput(`PGPROOF_ENCRYPTION_KEY_ID ${activeId} is not among the configured keys`);
    this.keys = keys;
    this.activeId = activeId ?? (keys.size === 1 ? [...keys.keys()][0] : undefined);
  }

  static empty(): Keyring {
    return new Keyring(new Map());
  }

  key(id: string): Buffer {
    const key = this.keys.get(id);
    if (!key) throw new EncryptionKeyMissing(`the artifact is encrypted with key id ${JSON.stringify(id)}, which is not configured here (PGPROOF_ENCRYPTION_KEYS)`);
    return key;
  }
}

function nonce(prefix: Buffer, index: number): Buffer {
  const out = Buffer.alloc(12);
  prefix.copy(out, 0);
  out.writeUInt32BE(index, 8);
  return out;
}

function aad(header: Buffer, index: number, final: boolean): Buffer {
  const tail = Buffer.alloc(5);
  tail.writeUInt32BE(index, 0);
  tail[4] = final ? 1 : 0;
  return Buffer.concat([header, tail]);
}

export function encryptStream(keyId: string, key: Buffer): Transform {
  const prefix = randomBytes(8);
  const id = Buffer.from(keyId);
  const header = Buffer.concat([MAGIC, Buffer.from([id.length]), id, prefix]);
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  const seal = (plain: Buffer, final: boolean): Buffer => {
    const cipher = createCipheriv("aes-256-gcm", key, nonce(prefix, index));
    cipher.setAAD(aad(header, index, final));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const head = Buffer.alloc(5);
    head.writeUInt32BE(plain.length, 0);
    head[4] = final ? 1 : 0;
    index += 1;
    return Buffer.concat([head, body, cipher.getAuthTag()]);
  };
  let started = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      if (!started) {
        this.push(header);
        started = true;
      }
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      // Keep the last bytes back: the final chunk must carry the final flag.
      while (pending.length > CHUNK) {
        this.push(seal(pending.subarray(0, CHUNK), false));
        pending = pending.subarray(CHUNK);
      }
      callback();
    },
    flush(callback: TransformCallback) {
      if (!started) this.push(header);
      this.push(seal(pending, true));
      callback();
    },
  });
}

/** Decrypts and authenticates every chunk; errors are DecryptionFailed or EncryptionKeyMissing. */
export function decryptStream(keyring: Keyring): Transform {
  let buffer: Buffer = Buffer.alloc(0);
  let header: Buffer | undefined;
  let key: Buffer | undefined;
  let prefix: Buffer | undefined;
  let index = 0;
  let finished = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      try {
        if (!header) {
          if (buffer.length < MAGIC.length + 1) return callback();
          if (!buffer.subarray(0, MAGIC.length).equals(MAGIC)) throw new DecryptionFailed("not an encrypted pgproof artifact (bad header)");
          const idLength = buffer[MAGIC.length]!;
          const headerLength = MAGIC.length + 1 + idLength + 8;
          if (buffer.length < headerLength) return callback();
          header = buffer.subarray(0, headerLength);
          key = keyring.key(header.subarray(MAGIC.length + 1, MAGIC.length + 1 + idLength).toString());
          prefix = header.subarray(headerLength - 8);
          buffer = buffer.subarray(headerLength);
        }
        while (buffer.length >= 5) {
          if (finished) throw new DecryptionFailed(`unexpected data after the final chunk ${index - 1}`);
          const length = buffer.readUInt32BE(0);
          if (length > CHUNK) throw new DecryptionFailed(`chunk ${index} has an impossible length`);
          const final = buffer[4] === 1;
          const total = 5 + length + TAG;
          if (buffer.length < total) break;
          const decipher = createDecipheriv("aes-256-gcm", key!, nonce(prefix!, index));
          decipher.setAAD(aad(header, index, final));
          decipher.setAuthTag(buffer.subarray(5 + length, total));
          let plain: Buffer;
          try {
            plain = Buffer.concat([decipher.update(buffer.subarray(5, 5 + length)), decipher.final()]);
          } catch {
            throw new DecryptionFailed(`chunk ${index} failed authentication: the artifact was altered, its chunks reordered, or it was encrypted with another key of the same id`);
          }
          this.push(plain);
          buffer = buffer.subarray(total);
          index += 1;
          finished = final;
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      if (!header) return callback(new DecryptionFailed("not an encrypted pgproof artifact (too short)"));
      if (buffer.length) return callback(finished ? new DecryptionFailed("unexpected data after the final chunk") : new DecryptionFailed(`truncated inside chunk ${index}`));
      if (!finished) return callback(new DecryptionFailed(`truncated: the artifact ends after chunk ${index - 1} without its final chunk`));
      callback();
    },
  });
}

/** PGPROOF_ENCRYPTION_KEYS: `id:key,id:key` with each key as 64 hex digits, base64, or `file:/path`. */
export async function keyringFromSpec(spec: string | undefined, activeId: string | undefined, readFile: (path: string) => Promise<string>): Promise<Keyring> {
  if (!spec) {
    if (activeId) throw new InvalidInput("PGPROOF_ENCRYPTION_KEY_ID is set but PGPROOF_ENCRYPTION_KEYS is not");
    return Keyring.empty();
  }
  const keys = new Map<string, Buffer>();
  for (const entry of spec.split(",").map((e) => e.trim()).filter(Boolean)) {
    const at = entry.indexOf(":");
    if (at < 1) throw new InvalidInput("PGPROOF_ENCRYPTION_KEYS entries look like id:key");
    const id = entry.slice(0, at);
    let text = entry.slice(at + 1);
    if (text.startsWith("file:")) text = (await readFile(text.slice(5))).trim();
    keys.set(id, /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64"));
  }
  return new Keyring(keys, activeId);
}
