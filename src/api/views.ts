import type { z } from "zod";
import type { BackupView, RestoreView, SourceView, VerificationView } from "../domain/api.ts";
import type { Backup, Verification } from "../domain/backup.ts";
import { manifestTotals, qualifiedName } from "../domain/manifest.ts";
import { nextRuns } from "../domain/schedule.ts";
import type { Source } from "../catalog/sources.ts";
import type { Restore } from "../catalog/restores.ts";

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export interface BackupContext {
  lastVerification?: Verification;
  retentionDays?: number | null;
}

export function backupView(backup: Backup, context: BackupContext = {}): BackupView {
  const v = context.lastVerification;
  return {
    id: backup.id,
    sourceId: backup.sourceId,
    trigger: backup.trigger,
    source: backup.source,
    status: backup.status,
    createdAt: backup.createdAt.toISOString(),
    finishedAt: iso(backup.finishedAt),
    sizeBytes: backup.sizeBytes,
    sha256: backup.sha256,
    verifyLevel: backup.verifyLevel,
    verifiedAt: iso(backup.verifiedAt),
    error: backup.error,
    manifest: backup.manifest ? manifestTotals(backup.manifest) : null,
    lastVerification: v ? { id: v.id, level: v.level, status: v.status, restoreMs: v.evidence?.restoreMs ?? null, finishedAt: iso(v.finishedAt), progressBytes: v.progressBytes } : null,
    progressBytes: backup.status === "in_progress" ? backup.progressBytes : null,
    retentionExpiresAt: context.retentionDays ? new Date(backup.createdAt.getTime() + context.retentionDays * 86_400_000).toISOString() : null,
  };
}

export function backupDetailView(backup: Backup, verifications: Verification[], retentionDays: number | null) {
  return {
    ...backupView(backup, { lastVerification: verifications[0], retentionDays }),
    manifestTables: (backup.manifest?.tables ?? []).map((t) => ({ table: qualifiedName(t), rows: t.rows, fingerprint: t.fingerprint })),
    verifications: verifications.map(verificationView),
  };
}

export function verificationView(v: Verification): VerificationView {
  return { ...v, startedAt: v.startedAt.toISOString(), finishedAt: iso(v.finishedAt) };
}

export function sourceView(source: Source): SourceView {
  const { scheduleSince: _internal, ...shown } = source;
  return {
    ...shown,
    nextRuns: source.schedule && !source.paused ? nextRuns(source.schedule, source.timezone).map((d) => d.toISOString()) : [],
    createdAt: source.createdAt.toISOString(),
    updatedAt: source.updatedAt.toISOString(),
  };
}

export function restoreView(restore: Restore): z.infer<typeof RestoreView> {
  return { ...restore, createdAt: restore.createdAt.toISOString(), startedAt: iso(restore.startedAt), finishedAt: iso(restore.finishedAt) };
}
