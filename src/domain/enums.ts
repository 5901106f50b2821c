/** Every enumerated value of pgproof, declared once. SQL CHECKs, zod schemas and CLI choices derive from these. */

export const BACKUP_STATUSES = ["in_progress", "completed", "failed", "verified"] as const;
export type BackupStatus = (typeof BACKUP_STATUSES)[number];

/** Deepest first: a pass at an earlier level proves more than one at a later level. */
export const VERIFY_LEVELS = ["full-restore", "header-only"] as const;
export type VerifyLevel = (typeof VERIFY_LEVELS)[number];

export const VERIFICATION_STATUSES = ["running", "passed", "failed", "error"] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

/** Allowed moves of a backup's status; the catalog's transition trigger enforces the same table. */
export const BACKUP_TRANSITIONS = {
  in_progress: ["completed", "failed"],
  completed: ["verified", "failed"],
  verified: ["verified", "failed"],
  failed: [],
} as const satisfies Record<BackupStatus, readonly BackupStatus[]>;

export const VERIFIABLE_STATUSES = ["completed", "verified"] as const satisfies readonly BackupStatus[];

/** The deeper of two levels; used so a later shallow pass never hides an earlier deep one. */
export function deeperLevel(a: VerifyLevel | null, b: VerifyLevel): VerifyLevel {
  if (a === null) return b;
  return VERIFY_LEVELS.indexOf(a) <= VERIFY_LEVELS.indexOf(b) ? a : b;
}

export const TOKEN_ROLES = ["admin", "viewer"] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export const RESTORE_STATUSES = ["pending", "running", "succeeded", "failed"] as const;
export type RestoreStatus = (typeof RESTORE_STATUSES)[number];

export const JOB_KINDS = ["backup", "verify", "restore", "webhook"] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const AUDIT_OUTCOMES = ["ok", "denied", "failed"] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export const BACKUP_TRIGGERS = ["manual", "schedule", "safety"] as const;
export type BackupTrigger = (typeof BACKUP_TRIGGERS)[number];

export const HEALTH_STATUSES = ["healthy", "degraded", "disabled"] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export const WEBHOOK_EVENTS = ["backup.failed", "verification.failed", "backup.overdue"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
