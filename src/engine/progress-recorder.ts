import type { Queryable } from "../catalog/catalog.ts";

const INTERVAL_MS = 1000;

/**
 * Writes a running job's byte count to the catalog at most once a second, one write at a time.
 * `flush` awaits the last write, so nothing is left in flight when the job's outcome is recorded.
 */
export class ProgressRecorder {
  private last = 0;
  private pending: Promise<void> = Promise.resolve();
  private busy = false;
  private readonly db: Queryable;
  private readonly sql: string;
  private readonly id: string;

  constructor(db: Queryable, table: "backups" | "verifications", id: string) {
    this.db = db;
    this.sql = `UPDATE ${table} SET progress_bytes = $2 WHERE id = $1`;
    this.id = id;
  }

  record = (bytes: number): void => {
    const now = Date.now();
    if (this.busy || now - this.last < INTERVAL_MS) return;
    this.last = now;
    this.busy = true;
    this.pending = this.db
      .query(this.sql, [this.id, bytes])
      .then(() => undefined, () => undefined) // a missed progress sample is not a failure of the job
      .finally(() => {
        this.busy = false;
      });
  };

  async flush(): Promise<void> {
    await this.pending;
  }
}
