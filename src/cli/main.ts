#!/usr/bin/env node
import { Command, CommanderError, Option } from "commander";
import { TOKEN_ROLES, VERIFY_LEVELS, type TokenRole, type VerifyLevel } from "../domain/enums.ts";
import { EXIT } from "./exit-codes.ts";
import { runCommand, type GlobalOptions } from "./command-runner.ts";
import { backupCommand } from "./commands/backup.ts";
import { startCommand } from "./commands/start.ts";
import { listCommand } from "./commands/list.ts";
import { serveCommand } from "./commands/serve.ts";
import { retentionCommand, sourcesCommand } from "./commands/sources.ts";
import { tokenCreateCommand } from "./commands/token.ts";
import { verifyCommand } from "./commands/verify.ts";

const program = new Command("pgproof")
  .description("PostgreSQL backups that carry proof they restore")
  .option("--home <dir>", "state directory (env PGPROOF_HOME, default ./.pgproof)")
  .option("--storage <dir>", "artifact directory (env PGPROOF_STORAGE)")
  .option("--catalog-url <url>", "control database (env PGPROOF_CATALOG_URL; default: embedded cluster)")
  .option("--scratch-url <url>", "scratch server for full-restore (env PGPROOF_SCRATCH_URL; default: embedded cluster)")
  .option("--json", "print exactly one JSON object on stdout")
  .option("-v, --verbose", "log progress to stderr")
  .exitOverride()
  .showHelpAfterError();

const globals = (): GlobalOptions => program.opts<GlobalOptions>();

program
  .command("backup")
  .description("dump a database with pg_dump -Fc and record its manifest")
  .option("--source <url>", "database to back up (env PGPROOF_SOURCE_URL)")
  .action((options: { source?: string }) => runCommand(globals(), (env) => backupCommand(env, options.source ?? process.env.PGPROOF_SOURCE_URL)));

program
  .command("verify")
  .description("prove a backup: header-only (checksum, table of contents) or full-restore (restore and compare)")
  .argument("<backupId>")
  .addOption(new Option("--level <level>", "verification depth").choices(VERIFY_LEVELS).default("full-restore" satisfies VerifyLevel))
  .action((backupId: string, options: { level: VerifyLevel }) => runCommand(globals(), (env) => verifyCommand(env, backupId, options.level)));

program
  .command("list")
  .description("list backups, newest first")
  .option("--limit <n>", "how many", "50")
  .option("--status <status>", "only backups with this status")
  .action((options: { limit: string; status?: string }) => runCommand(globals(), (env) => listCommand(env, options)));

program
  .command("start")
  .description("first run: protect a demo database (or PGPROOF_SOURCE_URL), prove a first backup, serve the console and API")
  .option("--host <host>", "address to listen on", "127.0.0.1")
  .option("--port <port>", "port to listen on", process.env.PGPROOF_PORT ?? "8080")
  .option("--demo-scale <n>", "demo data size (1 is about 1 MB)", process.env.PGPROOF_DEMO_SCALE ?? "20")
  .action((options: { host: string; port: string; demoScale: string }) =>
    runCommand({ ...globals(), logLevel: "warn" }, (env) => startCommand(env, { ...options, sourceUrl: process.env.PGPROOF_SOURCE_URL })),
  );

program
  .command("serve")
  .description("serve the HTTP API and run one worker")
  .option("--host <host>", "address to listen on", "127.0.0.1")
  .option("--port <port>", "port to listen on", process.env.PGPROOF_PORT ?? "8080")
  .action((options: { host: string; port: string }) =>
    runCommand({ ...globals(), logLevel: "info" }, (env) => serveCommand(env, { ...options, api: true })),
  );

program
  .command("worker")
  .description("run a worker alone: it takes backup, verify and restore jobs from the shared queue")
  .action(() => runCommand({ ...globals(), logLevel: "info" }, (env) => serveCommand(env, { host: "", port: "0", api: false })));

program
  .command("sources")
  .description("list sources with their schedules and next five run times")
  .action(() => runCommand(globals(), sourcesCommand));

program
  .command("retention")
  .description("apply every source's retention policy")
  .option("--dry-run", "only list what would be purged")
  .action((options: { dryRun?: boolean }) => runCommand(globals(), (env) => retentionCommand(env, options)));

program
  .command("token")
  .description("API tokens")
  .command("create")
  .description("create an API token (shown once)")
  .addOption(new Option("--role <role>", "what the token may do").choices(TOKEN_ROLES).makeOptionMandatory())
  .option("--name <name>", "a label for the audit trail")
  .action((options: { role: TokenRole; name?: string }) => runCommand(globals(), (env) => tokenCreateCommand(env, options)));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    const ok = error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help";
    process.exit(ok ? EXIT.ok : EXIT.invalidInput);
  }
  throw error;
}
