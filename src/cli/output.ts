import type { Backup, Verification } from "../domain/backup.ts";
import { manifestTotals } from "../domain/manifest.ts";
import type { PgproofError } from "../domain/errors.ts";

/** The JSON shape of a backup on the CLI. */
export function backupJson(backup: Backup) {
  return {
    id: backup.id,
    status: backup.status,
    sizeBytes: backup.sizeBytes,
    sha256: backup.sha256,
    createdAt: backup.createdAt.toISOString(),
    finishedAt: backup.finishedAt?.toISOString() ?? null,
    verifyLevel: backup.verifyLevel,
    verifiedAt: backup.verifiedAt?.toISOString() ?? null,
    source: backup.source,
    manifest: backup.manifest ? manifestTotals(backup.manifest) : null,
    error: backup.error,
  };
}

export function verificationJson(verification: Verification) {
  const evidence = verification.evidence;
  return {
    backupId: verification.backupId,
    verificationId: verification.id,
    verified: verification.status === "passed",
    status: verification.status,
    level: verification.level,
    message: verification.message,
    evidence: evidence
      ? {
          tablesExpected: evidence.tablesExpected,
          tablesRestored: evidence.tablesRestored,
          rowsExpected: evidence.rowsExpected,
          rowsRestored: evidence.rowsRestored,
          mismatches: evidence.mismatches,
          restoreMs: evidence.restoreMs,
          tables: evidence.tables,
          notes: evidence.notes,
        }
      : null,
  };
}

export function errorJson(error: PgproofError) {
  return { error: { code: error._tag, message: error.message } };
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}
