import type { BackupStatus, VerifyLevel } from "../../src/domain/enums.ts";

export type Tone = "good" | "fair" | "bad" | "neutral" | "busy";

export interface Badge {
  label: string;
  tone: Tone;
}

/** A verified backup's badge says how deep the proof goes. */
export const LEVEL_BADGES: Record<VerifyLevel, Badge> = {
  "full-restore": { label: "Verified (full-restore)", tone: "good" },
  "header-only": { label: "Verified (header-only)", tone: "fair" },
};

/** Every status has a badge; `verified` defers to the level. A new status or level fails to compile until it has one. */
export const STATUS_BADGES: Record<Exclude<BackupStatus, "verified">, Badge> & { verified: "by-level" } = {
  in_progress: { label: "In progress", tone: "busy" },
  completed: { label: "Not verified", tone: "neutral" },
  failed: { label: "Backup failed", tone: "bad" },
  verified: "by-level",
};

const VERIFICATION_FAILED: Badge = { label: "Verification failed", tone: "bad" };

/** The badge for a backup: a failed backup that had been verified at some level failed its verification. */
export function badgeFor(backup: { status: BackupStatus; verifyLevel: VerifyLevel | null }): Badge {
  if (backup.status === "verified") return LEVEL_BADGES[backup.verifyLevel ?? "header-only"];
  if (backup.status === "failed" && backup.verifyLevel) return VERIFICATION_FAILED;
  return STATUS_BADGES[backup.status];
}
