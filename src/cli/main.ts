#!/usr/bin/env node
import { Command, CommanderError, Option } from "commander";
import { VERIFY_LEVELS, type VerifyLevel } from "../domain/enums.ts";
import { EXIT } from "./exit-codes.ts";
import { runCommand, type GlobalOptions } from "./command-runner.ts";
import { backupCommand } from "./commands/backup.ts";
import { demoCommand } from "./commands/demo.ts";
import { listCommand } from "./commands/list.ts";
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
  .command("demo")
  .description("first run: back up a demo database (or PGPROOF_SOURCE_URL) and verify it by full restore")
  .option("--scale <n>", "demo data size multiplier", "1")
  .action((options: { scale: string }) => runCommand(globals(), (env) => demoCommand(env, { scale: options.scale, sourceUrl: process.env.PGPROOF_SOURCE_URL })));

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    const ok = error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help";
    process.exit(ok ? EXIT.ok : EXIT.invalidInput);
  }
  throw error;
}
