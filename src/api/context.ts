import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { recordAudit, type AuditInput } from "../catalog/audit.ts";
import type { ApiToken } from "../catalog/tokens.ts";
import type { TokenRole } from "../domain/enums.ts";
import { Forbidden } from "../domain/errors.ts";
import type { EngineContext } from "../engine/context.ts";
import type { JobQueue } from "../jobs/queue.ts";
import type { ConnectionTarget } from "../postgres/connection.ts";
import type { Sealer } from "../support/sealing.ts";

export interface ApiDeps {
  ctx: EngineContext;
  sealer: Sealer;
  queue: JobQueue;
  /** The process's scratch server; one saved in the settings takes precedence. */
  defaultScratch: ConnectionTarget;
}

export interface ApiEnv {
  Variables: { caller: ApiToken; requestId: string };
}

export type ApiApp = OpenAPIHono<ApiEnv>;
export type ApiContext = Context<ApiEnv>;

export function actorOf(caller: ApiToken): string {
  return `token:${caller.name}#${caller.id.slice(0, 8)}`;
}

export async function audit(c: ApiContext, deps: ApiDeps, entry: Omit<AuditInput, "actor" | "requestId">): Promise<void> {
  const caller = c.get("caller");
  await recordAudit(deps.ctx.catalog.pool, { ...entry, actor: caller ? actorOf(caller) : "anonymous", requestId: c.get("requestId") });
}

/** Throws Forbidden (and records the refusal) unless the caller has `role`. */
export async function requireRole(c: ApiContext, deps: ApiDeps, role: TokenRole, action: string): Promise<void> {
  if (role === "viewer" || c.get("caller").role === "admin") return;
  await audit(c, deps, { action, outcome: "denied", details: { reason: `needs role ${role}` } });
  throw new Forbidden(`this token's role (${c.get("caller").role}) may not ${action}`);
}
