import { badgeFor } from "../badge.ts";
import type { BackupStatus, VerifyLevel } from "../../../src/domain/enums.ts";

export function BackupBadge({ backup }: { backup: { status: BackupStatus; verifyLevel: VerifyLevel | null } }) {
  const badge = badgeFor(backup);
  return <span className={`badge badge-${badge.tone}`}>{badge.label}</span>;
}

export function HealthBadge({ status }: { status: "healthy" | "degraded" | "disabled" }) {
  const tone = status === "healthy" ? "good" : status === "degraded" ? "bad" : "neutral";
  return <span className={`badge badge-${tone}`}>{status}</span>;
}
