import { z } from "zod";
import { BACKUP_STATUSES, BACKUP_TRIGGERS, AUDIT_OUTCOMES, HEALTH_STATUSES, RESTORE_STATUSES, TOKEN_ROLES, VERIFICATION_STATUSES, VERIFY_LEVELS } from "./enums.ts";
import { Evidence, SourceIdentity } from "./backup.ts";
import { cronProblem, isTimeZone } from "./schedule.ts";

/** Request and response shapes of the HTTP API; the OpenAPI document is generated from these. */

const Timestamp = z.iso.datetime({ offset: true });
const Id = z.uuid();
const Name = z.string().trim().min(1).max(200);
const PostgresUrl = z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL").max(2000);
const PositiveInt = z.number().int().positive().max(100_000);

export const IdParam = z.strictObject({ id: Id });

/** Cron and time zone are checked together: an expression is valid only in a known zone. */
function refineSchedule(value: { schedule?: string | null; timezone?: string }, ctx: z.RefinementCtx): void {
  if (value.timezone !== undefined && !isTimeZone(value.timezone)) {
    ctx.addIssue({ code: "custom", path: ["timezone"], message: `unknown time zone ${JSON.stringify(value.timezone)}` });
    return;
  }
  if (value.schedule) {
    const problem = cronProblem(value.schedule, value.timezone ?? "UTC");
    if (problem) ctx.addIssue({ code: "custom", path: ["schedule"], message: `invalid cron expression: ${problem}` });
  }
}

const SourceFieldsShape = {
  name: Name,
  url: PostgresUrl,
  schedule: z.string().trim().min(1).max(200).nullable().optional(),
  timezone: z.string().min(1).max(100).optional(),
  retentionDays: PositiveInt.nullable().optional(),
  keepLast: PositiveInt.nullable().optional(),
  verifyLevel: z.enum(VERIFY_LEVELS).optional(),
  paused: z.boolean().optional(),
  /** Restore-time budget: health degrades when the last full restore took longer. */
  rtoSeconds: PositiveInt.nullable().optional(),
  gfsDaily: z.number().int().min(0).max(1000).nullable().optional(),
  gfsWeekly: z.number().int().min(0).max(1000).nullable().optional(),
  gfsMonthly: z.number().int().min(0).max(1000).nullable().optional(),
};

export const SourceCreate = z.strictObject(SourceFieldsShape).superRefine(refineSchedule);
export type SourceCreate = z.infer<typeof SourceCreate>;

export const SourcePatch = z
  .strictObject(SourceFieldsShape)
  .partial()
  .superRefine(refineSchedule)
  .refine((v) => Object.keys(v).length > 0, "send at least one field to change");
export type SourcePatch = z.infer<typeof SourcePatch>;

export const SourceView = z.object({
  id: Id,
  name: z.string(),
  host: z.string(),
  port: z.number().int(),
  database: z.string(),
  user: z.string(),
  schedule: z.string().nullable(),
  timezone: z.string(),
  nextRuns: z.array(Timestamp),
  retentionDays: z.number().int().nullable(),
  keepLast: z.number().int().nullable(),
  verifyLevel: z.enum(VERIFY_LEVELS),
  paused: z.boolean(),
  rtoSeconds: z.number().int().nullable(),
  gfsDaily: z.number().int().nullable(),
  gfsWeekly: z.number().int().nullable(),
  gfsMonthly: z.number().int().nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type SourceView = z.infer<typeof SourceView>;

export const SourceList = z.object({ items: z.array(SourceView) });

export const DeleteSourceQuery = z.strictObject({ deleteBackups: z.enum(["true", "false"]).optional() });

export const ManifestSummary = z.object({ tableCount: z.number().int(), rowCount: z.number().int() });

export const BackupView = z.object({
  id: Id,
  sourceId: Id.nullable(),
  trigger: z.enum(BACKUP_TRIGGERS),
  source: SourceIdentity,
  status: z.enum(BACKUP_STATUSES),
  createdAt: Timestamp,
  finishedAt: Timestamp.nullable(),
  sizeBytes: z.number().int().nullable(),
  sha256: z.string().nullable(),
  verifyLevel: z.enum(VERIFY_LEVELS).nullable(),
  verifiedAt: Timestamp.nullable(),
  error: z.string().nullable(),
  manifest: ManifestSummary.nullable(),
  lastVerification: z
    .object({
      id: Id,
      level: z.enum(VERIFY_LEVELS),
      status: z.enum(VERIFICATION_STATUSES),
      restoreMs: z.number().int().nullable(),
      finishedAt: Timestamp.nullable(),
      progressBytes: z.number().int().nullable(),
    })
    .nullable(),
  /** When retention by age would let this backup go (other rules may keep it longer). */
  retentionExpiresAt: Timestamp.nullable(),
  /** Bytes written so far, while in progress. */
  progressBytes: z.number().int().nullable(),
});
export type BackupView = z.infer<typeof BackupView>;

export const BackupListQuery = z.strictObject({
  sourceId: Id.optional(),
  status: z.enum(BACKUP_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z.string().max(200).optional(),
});

export const BackupList = z.object({ items: z.array(BackupView), nextCursor: z.string().nullable() });

export const VerificationView = z.object({
  id: Id,
  backupId: Id,
  level: z.enum(VERIFY_LEVELS),
  status: z.enum(VERIFICATION_STATUSES),
  startedAt: Timestamp,
  finishedAt: Timestamp.nullable(),
  triggeredBy: z.string(),
  message: z.string().nullable(),
  evidence: Evidence.nullable(),
  progressBytes: z.number().int().nullable(),
});
export type VerificationView = z.infer<typeof VerificationView>;

export const ManifestTableView = z.object({ table: z.string(), rows: z.number().int(), fingerprint: z.string() });

export const BackupDetail = BackupView.extend({
  manifestTables: z.array(ManifestTableView),
  verifications: z.array(VerificationView),
});

export const VerifyInput = z.strictObject({ level: z.enum(VERIFY_LEVELS) });

export const RestoreInput = z
  .strictObject({
    targetUrl: PostgresUrl.optional(),
    newDatabase: z.string().regex(/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/, "must be a plain database name").optional(),
    /** Over the backup's own source database (a safety backup of it is taken first). */
    intoSource: z.literal(true).optional(),
  })
  .refine((v) => [v.targetUrl, v.newDatabase, v.intoSource].filter((x) => x !== undefined).length === 1, "send exactly one of targetUrl, newDatabase or intoSource");

export const RestoreTicket = z.object({
  confirmationToken: z.string(),
  expiresAt: Timestamp,
  target: z.string(),
  createsDatabase: z.boolean(),
  /** What will happen, in words, before anything happens. */
  plan: z.array(z.string()),
});

export const RestoreConfirmInput = z.strictObject({ confirmationToken: z.string().min(1).max(200), allowUnverified: z.boolean().optional() });

export const RestoreView = z.object({
  id: Id,
  backupId: Id,
  status: z.enum(RESTORE_STATUSES),
  target: z.string(),
  createsDatabase: z.boolean(),
  safetyBackupId: Id.nullable(),
  requestedBy: z.string(),
  message: z.string().nullable(),
  createdAt: Timestamp,
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
});

export const AuditEntryView = z.object({
  id: z.number().int(),
  at: Timestamp,
  actor: z.string(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  outcome: z.enum(AUDIT_OUTCOMES),
  requestId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

export const AuditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).optional(),
  before: z.coerce.number().int().positive().optional(),
});

export const AuditList = z.object({ items: z.array(AuditEntryView) });

export const ConfigView = z.object({
  defaultVerifyLevel: z.enum(VERIFY_LEVELS),
  defaultRetentionDays: z.number().int().nullable(),
  defaultKeepLast: z.number().int().nullable(),
  storage: z.object({ location: z.string(), prefix: z.string() }),
  scratch: z.string(),
});

export const ConfigInput = z
  .strictObject({
    defaultVerifyLevel: z.enum(VERIFY_LEVELS).optional(),
    defaultRetentionDays: PositiveInt.nullable().optional(),
    defaultKeepLast: PositiveInt.nullable().optional(),
    storagePrefix: z.string().max(200).optional(),
    scratchUrl: PostgresUrl.nullable().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, "send at least one setting to change");

export const TokenRoleSchema = z.enum(TOKEN_ROLES);

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), requestId: z.string(), path: z.array(z.string()).optional() }),
});

export const HealthView = z.object({
  status: z.enum(["ok", "unavailable"]),
  components: z.object({
    catalog: z.enum(["ok", "unavailable"]),
    backups: z.array(
      z.object({
        sourceId: Id,
        name: z.string(),
        status: z.enum(HEALTH_STATUSES),
        reason: z.string().nullable(),
        lastBackupAt: z.string().nullable(),
        lastVerifiedAt: z.string().nullable(),
        nextRunAt: z.string().nullable(),
      }),
    ),
  }),
});


export const RetentionInput = z.strictObject({ dryRun: z.boolean().optional() });

export const RetentionView = z.object({
  sourceId: Id,
  dryRun: z.boolean(),
  purged: z.array(z.object({ id: Id, createdAt: Timestamp, status: z.enum(BACKUP_STATUSES) })),
  kept: z.array(z.object({ id: Id, reason: z.string() })),
});

export const StartBackupInput = z.strictObject({
  /** Verify right after the backup completes at this level; null for no verification. Default: the source's level. */
  verifyLevel: z.enum(VERIFY_LEVELS).nullable().optional(),
});

export const ConnectionTestInput = z.strictObject({ url: PostgresUrl });

export const ConnectionTestView = z.object({
  ok: z.boolean(),
  message: z.string(),
  serverVersion: z.string().nullable(),
  baseTables: z.number().int().nullable(),
});

export const CallerView = z.object({ name: z.string(), role: z.enum(TOKEN_ROLES) });

export const DownloadLinkView = z.object({ url: z.string(), expiresAt: Timestamp });

export const DownloadTokenParam = z.strictObject({ token: z.string().regex(/^pgp_[A-Za-z0-9_-]{20,100}$/, "not a download token") });
