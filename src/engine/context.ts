import type { Catalog } from "../catalog/catalog.ts";
import type { Storage, StorageRegistry } from "../storage/storage.ts";
import type { Keyring } from "./encryption.ts";
import type { Logger } from "../support/logger.ts";

/** What the engine needs from its surroundings; built once at the edge (CLI, server). */
export interface EngineContext {
  catalog: Catalog;
  /** Where new artifacts go. */
  storage: Storage;
  /** Where an existing artifact is, by the location its backup recorded. */
  storages: StorageRegistry;
  /** Keys for encryption at rest; new artifacts are encrypted when it has an active key. */
  keyring: Keyring;
  logger: Logger;
  /** Extra directories to search for pg_dump / pg_restore before the standard ones. */
  binDirs: readonly string[];
}
