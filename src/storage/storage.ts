import type { Readable } from "node:stream";

export interface StoredObject {
  key: string;
  sizeBytes: number;
}

/**
 * Where artifacts live. `put` is all-or-nothing: a failed or cancelled put leaves no object
 * under `key`, and a finished put is durable before it resolves.
 */
export interface Storage {
  /** Human description for messages, e.g. "local:/var/backups". Never holds credentials. */
  readonly description: string;
  put(key: string, body: Readable, options?: { signal?: AbortSignal }): Promise<StoredObject>;
  /** A stream of the object's bytes; rejects with StorageFailure when it cannot be read. */
  get(key: string, options?: { signal?: AbortSignal }): Promise<Readable>;
  /** null when there is no object under `key`. */
  stat(key: string): Promise<StoredObject | null>;
  /** Deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  list(prefix?: string): AsyncIterable<StoredObject>;
  /** Removes what an interrupted `put` of `key` left behind (a crashed process cannot clean up after itself). */
  discardIncomplete(key: string): Promise<void>;
  /** Removes stale unfinished uploads (S3 multipart); where nothing of the kind exists, absent. */
  sweepIncompleteUploads?(now?: Date): Promise<number>;
}

/** Storages by location ("local:/dir", "s3://bucket/prefix"): old backups stay readable where they are. */
export interface StorageRegistry {
  /** Where new artifacts go. */
  current: Storage;
  at(location: string | null): Storage;
}
