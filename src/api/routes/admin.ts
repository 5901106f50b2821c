import { createRoute } from "@hono/zod-openapi";
import { AuditList, AuditQuery, ConfigInput, ConfigView } from "../../domain/api.ts";
import { InvalidInput, RestoreTargetUnsafe } from "../../domain/errors.ts";
import { listAudit } from "../../catalog/audit.ts";
import { getSettings, updateSettings, type Settings } from "../../catalog/settings.ts";
import { describeTarget, parseConnectionUrl, sameDatabase } from "../../postgres/connection.ts";
import { audit, requireRole, type ApiApp, type ApiDeps } from "../context.ts";
import { errorResponses, json, jsonBody, security } from "../openapi-common.ts";

/** A folder under the storage root: relative, no `..`, no empty or hidden segments. */
function checkStoragePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, "");
  if (prefix.startsWith("/") || prefix.includes("\\") || prefix.includes("\0")) throw new InvalidInput("storagePrefix escapes the storage root: it must be a relative folder", ["storagePrefix"]);
  if (trimmed && trimmed.split("/").some((part) => part === "" || part === "." || part === ".." || part.startsWith("."))) {
    throw new InvalidInput("storagePrefix escapes the storage root: no '..', '.', hidden or empty segments", ["storagePrefix"]);
  }
  return trimmed;
}

export function registerAdminRoutes(app: ApiApp, deps: ApiDeps): void {
  const db = deps.ctx.catalog.pool;
  const configView = (settings: Settings) => ({
    defaultVerifyLevel: settings.defaultVerifyLevel,
    defaultRetentionDays: settings.defaultRetentionDays,
    defaultKeepLast: settings.defaultKeepLast,
    storage: { location: deps.ctx.storage.description, prefix: settings.storagePrefix },
    scratch: settings.scratchDisplay ?? describeTarget(deps.defaultScratch),
  });

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/audit", tags: ["audit"], security, request: { query: AuditQuery }, responses: { 200: json(AuditList, "newest first"), ...errorResponses } }),
    async (c) => {
      const query = c.req.valid("query");
      const items = await listAudit(db, { limit: query.limit ?? 100, before: query.before });
      return c.json({ items: items.map((e) => ({ ...e, at: e.at.toISOString() })) }, 200);
    },
  );

  app.openapi(
    createRoute({ method: "get", path: "/api/v1/config", tags: ["config"], security, responses: { 200: json(ConfigView, "defaults"), ...errorResponses } }),
    async (c) => c.json(configView(await getSettings(db)), 200),
  );

  app.openapi(
    createRoute({ method: "put", path: "/api/v1/config", tags: ["config"], security, request: { body: jsonBody(ConfigInput) }, responses: { 200: json(ConfigView, "the new defaults"), ...errorResponses } }),
    async (c) => {
      await requireRole(c, deps, "admin", "change the configuration");
      const body = c.req.valid("json");
      const storagePrefix = body.storagePrefix === undefined ? undefined : checkStoragePrefix(body.storagePrefix);
      if (body.scratchUrl) {
        const scratch = parseConnectionUrl(body.scratchUrl, "scratchUrl");
        if (await sameDatabase(scratch, deps.ctx.catalog.target)) throw new RestoreTargetUnsafe("the scratch server must not be pgproof's catalog database");
      }
      const settings = await updateSettings(db, deps.sealer, { ...body, storagePrefix });
      await audit(c, deps, { action: "config.update", outcome: "ok", details: { fields: Object.keys(body) } });
      return c.json(configView(settings), 200);
    },
  );
}
