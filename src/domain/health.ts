import type { HealthStatus } from "./enums.ts";
import { nextRuns } from "./schedule.ts";
import { Cron } from "croner";

export interface SourceHealthInput {
  paused: boolean;
  schedule: string | null;
  timezone: string;
  rtoSeconds: number | null;
  /** When the newest verified backup was taken. */
  lastVerifiedAt: Date | null;
  /** Restore time of the newest passed full-restore verification. */
  lastRestoreMs: number | null;
}

export interface SourceHealth {
  status: HealthStatus;
  reason: string | null;
  overdue: boolean;
}

/** The length of the cadence window that holds `now`: from the last scheduled time to the next. */
export function cadenceWindowMs(schedule: string, timezone: string, now: Date): number | undefined {
  const cron = new Cron(schedule, { timezone, paused: true });
  const [previous] = cron.previousRuns(1, now);
  const [next] = nextRuns(schedule, timezone, 1, previous ?? now);
  if (!previous || !next) return undefined;
  return next.getTime() - previous.getTime();
}

/**
 * healthy, or degraded when the newest verified backup is older than the cadence window plus
 * 25 % (or there is none), or the last full restore took longer than the source's RTO.
 */
export function sourceHealth(input: SourceHealthInput, now: Date): SourceHealth {
  if (input.paused) return { status: "disabled", reason: "paused", overdue: false };
  if (!input.lastVerifiedAt) return { status: "degraded", reason: "no verified backup yet", overdue: true };
  if (input.schedule) {
    const window = cadenceWindowMs(input.schedule, input.timezone, now);
    const age = now.getTime() - input.lastVerifiedAt.getTime();
    if (window !== undefined && age > window * 1.25) {
      const hours = (age / 3_600_000).toFixed(1);
      return { status: "degraded", reason: `newest verified backup is ${hours} h old, more than its cadence window plus 25 %`, overdue: true };
    }
  }
  if (input.rtoSeconds !== null && input.lastRestoreMs !== null && input.lastRestoreMs > input.rtoSeconds * 1000) {
    return { status: "degraded", reason: `the last full restore took ${(input.lastRestoreMs / 1000).toFixed(1)} s, over the ${input.rtoSeconds} s restore-time budget`, overdue: false };
  }
  return { status: "healthy", reason: null, overdue: false };
}
