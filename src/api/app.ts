import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic } from "@hono/node-server/serve-static";
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { findToken } from "../catalog/tokens.ts";
import { recordAudit } from "../catalog/audit.ts";
import { InvalidInput, PayloadTooLarge, Unauthenticated, toPgproofError, type PgproofError } from "../domain/errors.ts";
import { redact, redactError } from "../support/redact.ts";
import type { ApiDeps, ApiEnv } from "./context.ts";
import { httpStatusFor } from "./http-status.ts";
import { registerAdminRoutes } from "./routes/admin.ts";
import { registerBackupRoutes } from "./routes/backups.ts";
import { registerHealthRoutes } from "./routes/health.ts";
import { registerRestoreRoutes } from "./routes/restores.ts";
import { registerSourceRoutes } from "./routes/sources.ts";

const MAX_BODY_BYTES = 1024 * 1024;
const CONSOLE_DIR = fileURLToPath(new URL("../../web/dist/", import.meta.url));

function fromHttpException(error: HTTPException): PgproofError {
  if (error.status === 413) return new PayloadTooLarge(`request body over ${MAX_BODY_BYTES} bytes`);
  if (error.status >= 400 && error.status < 500) return new InvalidInput(error.message || "malformed request");
  return toPgproofError(error);
}

/** The HTTP API: bearer-token auth, zod-validated bodies, one error mapping, OpenAPI from the same schemas. */
export function createApi(deps: ApiDeps): OpenAPIHono<ApiEnv> {
  const { logger } = deps.ctx;
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const path = issue?.path.map(String) ?? [];
        throw new InvalidInput(`${path.length ? path.join(".") + ": " : ""}${issue?.message ?? "invalid input"}`, path);
      }
    },
  });

  app.use("*", requestId());
  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    logger.info({ requestId: c.get("requestId"), method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) }, "request");
  });
  app.use("/api/*", bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => { throw new PayloadTooLarge(`request body over ${MAX_BODY_BYTES} bytes`); } }));

  app.use("/api/v1/*", async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const caller = match ? await findToken(deps.ctx.catalog.pool, match[1]!) : undefined;
    if (!caller) {
      await recordAudit(deps.ctx.catalog.pool, {
        actor: "anonymous",
        action: "auth",
        outcome: "denied",
        requestId: c.get("requestId"),
        details: { reason: match ? "unknown or revoked token" : "no bearer token", method: c.req.method, path: c.req.path },
      });
      throw new Unauthenticated(match ? "unknown or revoked token" : "a bearer token is required");
    }
    c.set("caller", caller);
    await next();
  });

  app.onError((thrown, c) => {
    const error = thrown instanceof HTTPException ? fromHttpException(thrown) : toPgproofError(thrown);
    const status = httpStatusFor(error);
    const id = c.get("requestId") ?? "unknown";
    if (status >= 500) logger.error({ requestId: id, err: redactError(thrown, []) }, "request failed");
    const message = error._tag === "Internal" ? `internal error; the server log has the details under request id ${id}` : redact(error.message);
    const path = error._tag === "InvalidInput" && error.path.length ? { path: error.path } : {};
    // The unread rest of an oversized body would be taken for the next request on this connection.
    if (error._tag === "PayloadTooLarge") c.header("connection", "close");
    return c.json({ error: { code: error._tag, message, requestId: id, ...path } }, status);
  });
  app.notFound((c) => c.json({ error: { code: "NotFound", message: `no route ${c.req.method} ${c.req.path}`, requestId: c.get("requestId") } }, 404));

  registerHealthRoutes(app, deps);
  registerSourceRoutes(app, deps);
  registerBackupRoutes(app, deps);
  registerRestoreRoutes(app, deps);
  registerAdminRoutes(app, deps);

  // The console: built files, and index.html for every other path so client-side routes load.
  if (existsSync(join(CONSOLE_DIR, "index.html"))) {
    app.use("/assets/*", serveStatic({ root: relative(process.cwd(), CONSOLE_DIR) || "." }));
    app.get("*", async (c, next) => {
      if (c.req.path.startsWith("/api/") || c.req.path === "/metrics") return next();
      return c.html(await readFile(join(CONSOLE_DIR, "index.html"), "utf8"));
    });
  }

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.doc31("/api/openapi.json", { openapi: "3.1.0", info: { title: "pgproof", version: "1", description: "PostgreSQL backups that carry proof they restore" } });
  return app;
}
