import { createWriteStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { InvalidInput, StorageFailure } from "../domain/errors.ts";
import type { Storage, StoredObject } from "./storage.ts";

const PARTIAL_MARK = ".partial-";

function isFsError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === "string";
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Artifacts as files under one root directory. */
export class LocalStorage implements Storage {
  readonly root: string;
  readonly description: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.description = `local:${this.root}`;
  }

  /** The file for `key`; keys that would escape the root are refused. */
  private pathOf(key: string): string {
    const path = resolve(this.root, key);
    if (!key || key.includes("\0") || !path.startsWith(this.root + sep)) throw new InvalidInput(`storage key ${JSON.stringify(key)} escapes the storage root`);
    return path;
  }

  async put(key: string, body: Readable, options: { signal?: AbortSignal } = {}): Promise<StoredObject> {
    const path = this.pathOf(key);
    const temp = `${path}${PARTIAL_MARK}${randomBytes(6).toString("hex")}`;
    try {
      await mkdir(dirname(path), { recursive: true });
      await pipeline(body, createWriteStream(temp, { flags: "wx" }), { signal: options.signal });
      await fsyncPath(temp);
      await rename(temp, path);
      await fsyncPath(dirname(path));
      return { key, sizeBytes: (await stat(path)).size };
    } catch (error) {
      await rm(temp, { force: true });
      if (isFsError(error)) throw new StorageFailure(`could not write ${key} to ${this.description}: ${error.code ?? "I/O error"}`, { cause: error });
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    const path = this.pathOf(key);
    const handle = await open(path, "r").catch((error: unknown) => {
      throw new StorageFailure(`could not read ${key} from ${this.description}`, { cause: error });
    });
    return handle.createReadStream();
  }

  async stat(key: string): Promise<StoredObject | null> {
    const path = this.pathOf(key);
    try {
      const info = await stat(path);
      return info.isFile() ? { key, sizeBytes: info.size } : null;
    } catch (error) {
      if (isFsError(error) && error.code === "ENOENT") return null;
      throw new StorageFailure(`could not stat ${key} in ${this.description}`, { cause: error });
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true }).catch((error: unknown) => {
      throw new StorageFailure(`could not delete ${key} from ${this.description}`, { cause: error });
    });
  }

  async discardIncomplete(key: string): Promise<void> {
    const path = this.pathOf(key);
    const names = await readdir(dirname(path)).catch(() => [] as string[]);
    const stem = basename(path) + PARTIAL_MARK;
    for (const name of names) if (name.startsWith(stem)) await rm(join(dirname(path), name), { force: true });
  }

  async *list(prefix = ""): AsyncIterable<StoredObject> {
    let entries;
    try {
      entries = await readdir(this.root, { recursive: true, withFileTypes: true });
    } catch (error) {
      if (isFsError(error) && error.code === "ENOENT") return;
      throw new StorageFailure(`could not list ${this.description}`, { cause: error });
    }
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.includes(PARTIAL_MARK)) continue;
      const key = relative(this.root, join(entry.parentPath, entry.name)).split(sep).join("/");
      if (!key.startsWith(prefix)) continue;
      const info = await stat(join(entry.parentPath, entry.name)).catch(() => null);
      if (info) yield { key, sizeBytes: info.size };
    }
  }
}
