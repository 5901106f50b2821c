import { listSources } from "../../catalog/sources.ts";
import { nextRuns } from "../../domain/schedule.ts";
import { applyRetention } from "../../jobs/retention.ts";
import type { CommandEnv } from "../command-runner.ts";
import { printJson } from "../output.ts";

/** Sources with their schedule and next five run times. */
export async function sourcesCommand(env: CommandEnv): Promise<number> {
  const sources = await listSources(env.runtime.ctx.catalog.pool);
  const shown = sources.map((s) => ({
    id: s.id,
    name: s.name,
    target: `${s.user}@${s.host}:${s.port}/${s.database}`,
    schedule: s.schedule,
    timezone: s.timezone,
    paused: s.paused,
    nextRuns: s.schedule && !s.paused ? nextRuns(s.schedule, s.timezone).map((d) => d.toISOString()) : [],
  }));
  if (env.json) printJson({ sources: shown });
  else if (!shown.length) process.stdout.write("no sources; add one through the API (POST /api/v1/sources)\n");
  else for (const s of shown) process.stdout.write(`${s.name}  ${s.target}  ${s.schedule ?? "no schedule"} (${s.timezone})${s.paused ? "  paused" : ""}\n${s.nextRuns.map((r) => `  next: ${r}\n`).join("")}`);
  return 0;
}

/** Applies (or, with --dry-run, lists) every source's retention. */
export async function retentionCommand(env: CommandEnv, options: { dryRun?: boolean }): Promise<number> {
  const results = [];
  for (const source of await listSources(env.runtime.ctx.catalog.pool)) {
    const result = await applyRetention(env.runtime.ctx, source.id, { dryRun: options.dryRun });
    results.push({ source: source.name, purged: result.purged.map((p) => ({ ...p, createdAt: p.createdAt.toISOString() })), kept: result.kept.length });
  }
  if (env.json) printJson({ dryRun: Boolean(options.dryRun), sources: results });
  else for (const r of results) process.stdout.write(`${r.source}: ${options.dryRun ? "would purge" : "purged"} ${r.purged.length}, keeps ${r.kept}\n${r.purged.map((p) => `  ${p.id}  ${p.createdAt}  ${p.status}\n`).join("")}`);
  return 0;
}
