import { z } from "zod";
import { BACKUP_STATUSES, BACKUP_TRIGGERS, VERIFICATION_STATUSES, VERIFY_LEVELS } from "./enums.ts";
import { Manifest } from "./manifest.ts";

export const BackupStatusSchema = z.enum(BACKUP_STATUSES);
export const VerifyLevelSchema = z.enum(VERIFY_LEVELS);
export const VerificationStatusSchema = z.enum(VERIFICATION_STATUSES);

export const BackupId = z.uuid();

/** Where a backup came from, never with its password. */
export const SourceIdentity = z.object({
  host: z.string(),
  port: z.number().int(),
  database: z.string(),
  user: z.string(),
});
export type SourceIdentity = z.infer<typeof SourceIdentity>;

export const Backup = z.object({
  id: BackupId,
  sourceId: z.uuid().nullable(),
  trigger: z.enum(BACKUP_TRIGGERS),
  source: SourceIdentity,
  status: BackupStatusSchema,
  createdAt: z.date(),
  finishedAt: z.date().nullable(),
  sizeBytes: z.number().int().nullable(),
  sha256: z.string().nullable(),
  storageKey: z.string().nullable(),
  storageLocation: z.string().nullable(),
  encryptionKeyId: z.string().nullable(),
  pgDumpVersion: z.string().nullable(),
  serverVersion: z.string().nullable(),
  manifest: Manifest.nullable(),
  expectedTableCount: z.number().int().nullable(),
  error: z.string().nullable(),
  verifyLevel: VerifyLevelSchema.nullable(),
  verifiedAt: z.date().nullable(),
  /** Bytes written so far while in progress. */
  progressBytes: z.number().int().nullable(),
});
export type Backup = z.infer<typeof Backup>;

export const TableMismatch = z.object({
  table: z.string(),
  kind: z.enum(["missing", "unexpected", "rows", "fingerprint", "no-table-data"]),
  expected: z.string().nullable(),
  actual: z.string().nullable(),
});

export const ObjectMismatch = z.object({
  table: z.string(),
  kind: z.enum(["object-missing", "object-unexpected", "sequence"]),
  expected: z.string().nullable(),
  actual: z.string().nullable(),
});

export const Mismatch = z.union([TableMismatch, ObjectMismatch]);
export type Mismatch = z.infer<typeof Mismatch>;

export const TableEvidence = z.object({
  table: z.string(),
  rowsExpected: z.number().int().nullable(),
  rowsRestored: z.number().int().nullable(),
  fingerprintMatch: z.boolean(),
});
export type TableEvidence = z.infer<typeof TableEvidence>;

export const Evidence = z.object({
  tablesExpected: z.number().int(),
  tablesRestored: z.number().int().nullable(),
  rowsExpected: z.number().int(),
  rowsRestored: z.number().int().nullable(),
  mismatches: z.array(Mismatch),
  restoreMs: z.number().int().nullable(),
  tables: z.array(TableEvidence),
  notes: z.array(z.string()),
});
export type Evidence = z.infer<typeof Evidence>;

export const Verification = z.object({
  id: z.uuid(),
  backupId: BackupId,
  level: VerifyLevelSchema,
  status: VerificationStatusSchema,
  startedAt: z.date(),
  finishedAt: z.date().nullable(),
  triggeredBy: z.string(),
  message: z.string().nullable(),
  evidence: Evidence.nullable(),
  /** Bytes of the artifact read so far while running. */
  progressBytes: z.number().int().nullable(),
});
export type Verification = z.infer<typeof Verification>;
