import type { BackupStatus } from "./enums.ts";

export interface RetentionPolicy {
  retentionDays: number | null;
  keepLast: number | null;
  gfsDaily: number | null;
  gfsWeekly: number | null;
  gfsMonthly: number | null;
}

export interface RetentionCandidate {
  id: string;
  createdAt: Date;
  status: BackupStatus;
}

export interface RetentionPlan {
  keep: Map<string, string>;
  purge: string[];
}

const DAY_MS = 86_400_000;

function hasPolicy(policy: RetentionPolicy): boolean {
  return Object.values(policy).some((v) => v !== null && v > 0);
}

/** ISO week key (UTC), e.g. 2026-W49. */
function isoWeek(date: Date): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  return `${d.getUTCFullYear()}-W${Math.ceil(((d.getTime() - yearStart) / DAY_MS + 1) / 7)}`;
}

const PERIODS = {
  gfsDaily: (d: Date) => d.toISOString().slice(0, 10),
  gfsWeekly: isoWeek,
  gfsMonthly: (d: Date) => d.toISOString().slice(0, 7),
} as const;

/**
 * Which backups of one source to keep and which to purge. A backup is kept when any rule keeps
 * it: age within retentionDays, among the newest keepLast usable ones, the newest of one of the
 * newest N days/weeks/months, or the newest verified one (always). Backups still in progress are
 * never touched. Without any rule, everything is kept.
 */
export function planRetention(backups: readonly RetentionCandidate[], policy: RetentionPolicy, now: Date): RetentionPlan {
  const keep = new Map<string, string>();
  const byNewest = [...backups].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const usable = byNewest.filter((b) => b.status === "completed" || b.status === "verified");
  for (const b of byNewest) if (b.status === "in_progress") keep.set(b.id, "in progress");
  const newestVerified = usable.find((b) => b.status === "verified");
  if (newestVerified) keep.set(newestVerified.id, "newest verified backup");
  if (!hasPolicy(policy)) {
    for (const b of byNewest) if (!keep.has(b.id)) keep.set(b.id, "no retention policy");
    return { keep, purge: [] };
  }
  if (policy.retentionDays) {
    const cutoff = now.getTime() - policy.retentionDays * DAY_MS;
    for (const b of byNewest) if (b.createdAt.getTime() >= cutoff && !keep.has(b.id)) keep.set(b.id, `younger than ${policy.retentionDays} days`);
  }
  if (policy.keepLast) for (const b of usable.slice(0, policy.keepLast)) if (!keep.has(b.id)) keep.set(b.id, `one of the last ${policy.keepLast}`);
  for (const [rule, keyOf] of Object.entries(PERIODS) as [keyof typeof PERIODS, (d: Date) => string][]) {
    const count = policy[rule];
    if (!count) continue;
    const seen = new Set<string>();
    for (const b of usable) {
      const period = keyOf(b.createdAt);
      if (seen.has(period)) continue;
      if (seen.size >= count) break;
      seen.add(period);
      if (!keep.has(b.id)) keep.set(b.id, `newest of ${period}`);
    }
  }
  return { keep, purge: byNewest.filter((b) => !keep.has(b.id)).map((b) => b.id) };
}
