import type { Catalog } from "../catalog/catalog.ts";
import type { Storage } from "../storage/storage.ts";
import type { Logger } from "../support/logger.ts";

/** What the engine needs from its surroundings; built once at the edge (CLI, server). */
export interface EngineContext {
  catalog: Catalog;
  storage: Storage;
  logger: Logger;
  /** Extra directories to search for pg_dump / pg_restore before the standard ones. */
  binDirs: readonly string[];
}
