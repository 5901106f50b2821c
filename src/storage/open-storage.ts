import { S3Storage } from "./s3-storage.ts";
import { LocalStorage } from "./local-storage.ts";
import type { Storage, StorageRegistry } from "./storage.ts";

export interface StorageOptions {
  /** PGPROOF_S3_FORCE_PATH_STYLE: for servers that need path-style addressing. */
  s3ForcePathStyle: boolean;
}

/** A storage from PGPROOF_STORAGE: `s3://bucket/prefix`, or a directory. */
export function openStorage(spec: string, options: StorageOptions): Storage {
  if (spec.startsWith("s3://")) return new S3Storage(spec, { forcePathStyle: options.s3ForcePathStyle });
  return new LocalStorage(spec.startsWith("local:") ? spec.slice("local:".length) : spec);
}

export function storageRegistry(current: Storage, options: StorageOptions): StorageRegistry {
  const opened = new Map<string, Storage>([[current.description, current]]);
  return {
    current,
    at(location) {
      if (!location) return current;
      let storage = opened.get(location);
      if (!storage) {
        storage = openStorage(location, options);
        opened.set(location, storage);
      }
      return storage;
    },
  };
}
