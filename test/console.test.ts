import { truncate } from "node:fs/promises";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { toConnectionString } from "../src/postgres/connection.ts";
import { sql } from "./support/databases.ts";
import { runCli } from "./support/cli.ts";
import { useRichSourceFixture } from "./support/rich-source.ts";
import { TestServer } from "./support/server.ts";
import { launchBrowser, screenshot, signIn } from "./support/browser.ts";

const fixture = useRichSourceFixture();
let server: TestServer;
let browser: Browser;
let viewerToken: string;
let sourceId: string;

beforeAll(async () => {
  server = await new TestServer().start(fixture.pgproof());
  browser = await launchBrowser();
  viewerToken = (await runCli(["token", "create", "--role", "viewer", "--name", "auditor", "--json"], fixture.pgproof().cliEnv)).json.token;
  const source = await server.request("POST", "/api/v1/sources", { body: { name: "shop", url: toConnectionString(fixture.source()), schedule: "0 3 * * *", retentionDays: 30 } });
  sourceId = source.body.id;
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function apiBackup(verifyLevel: string | null = null) {
  const started = await server.request("POST", `/api/v1/sources/${sourceId}/backups`, { body: { verifyLevel } });
  // With a level, the backup is verified after it completes: wait for that outcome too.
  return server.waitFor(`/api/v1/backups/${started.body.id}`, (b) => (verifyLevel ? b.status === "verified" || b.status === "failed" : b.status !== "in_progress"));
}

describe("web console", () => {
  test("sign in, back up a source, watch it go from in progress to Verified (full-restore)", async () => {
    const page = await signIn(browser, server.url, server.adminToken);
    await page.getByRole("article", { name: "source shop" }).waitFor();
    await screenshot(page, "overview-before");
    await page.getByRole("link", { name: "Backups" }).click();
    await page.getByLabel("Source").selectOption({ label: "shop" });
    await page.getByRole("button", { name: "Back up now" }).click();
    const row = page.locator("tbody tr").first();
    await expect.poll(() => row.locator(".badge").textContent(), { timeout: 60_000 }).toMatch(/In progress|Not verified|Verified/);
    await row.getByText("Verified (full-restore)").waitFor({ timeout: 60_000 });
    expect(await row.locator("td").nth(4).textContent()).toMatch(/ms|s$/);
    await screenshot(page, "backups-verified");

    await row.getByRole("link").click();
    await page.getByRole("heading", { name: /Backup of/ }).waitFor();
    await expect.poll(() => page.getByText("✓ matches").count()).toBe(7);
    await screenshot(page, "backup-detail");

    await page.getByRole("link", { name: "Overview" }).click();
    await page.getByRole("article", { name: "source shop" }).getByText("healthy").waitFor();
    await screenshot(page, "overview-healthy");
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, "overview-narrow");
    await page.context().close();
  });

  test("a backup made to fail verification shows 'Verification failed' and its reason", async () => {
    const backup = await apiBackup();
    await truncate(join(fixture.pgproof().storageDir, `${backup.id}.dump`), 1000);
    const page = await signIn(browser, `${server.url}/#/backup/${backup.id}`, server.adminToken);
    await page.getByRole("heading", { name: /Backup of/ }).waitFor();
    await page.getByLabel("Level").selectOption("header-only");
    await page.getByRole("button", { name: "Verify" }).click();
    await page.getByRole("heading", { name: /Verification failed/ }).waitFor({ timeout: 30_000 });
    await page.getByText(/Why it failed:.*artifact size is 1000 bytes/).waitFor();
    await screenshot(page, "verification-failed");
    await page.context().close();
  });

  test("a viewer sees no restore, delete, download, verify or backup actions", async () => {
    const backup = await apiBackup();
    const page = await signIn(browser, `${server.url}/#/backup/${backup.id}`, viewerToken);
    await page.getByRole("heading", { name: /Backup of/ }).waitFor();
    for (const name of ["Restore…", "Delete", "Download", "Verify"]) expect(await page.getByRole("button", { name }).count()).toBe(0);
    await page.getByRole("link", { name: "Backups" }).click();
    await page.locator("tbody tr").first().waitFor();
    expect(await page.getByRole("button", { name: "Back up now" }).count()).toBe(0);
    await page.getByRole("link", { name: "Sources" }).click();
    await page.getByRole("cell", { name: "shop" }).waitFor();
    expect(await page.getByRole("button", { name: /Add source|Edit/ }).count()).toBe(0);
    await screenshot(page, "viewer");
    await page.context().close();
  });

  test("the restore flow brings changed data back", async () => {
    const backup = await apiBackup("full-restore");
    expect(backup.status).toBe("verified");
    const source = fixture.source();
    const [before] = await sql<{ n: string }>(source, "SELECT count(*)::text AS n FROM shop.customers");
    await sql(source, "DELETE FROM shop.refunds; DELETE FROM shop.wishlist; UPDATE shop.customers SET name = 'overwritten'");

    const page = await signIn(browser, `${server.url}/#/backup/${backup.id}`, server.adminToken);
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download" }).click()]);
    const saved = await download.path();
    const { stat } = await import("node:fs/promises");
    expect((await stat(saved)).size).toBe(backup.sizeBytes);
    await page.getByRole("button", { name: "Restore…" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel(/Over the source database/).check();
    await dialog.getByRole("button", { name: "Next: see what will happen" }).click();
    await dialog.getByText(/safety backup/).first().waitFor();
    const restoreNow = dialog.getByRole("button", { name: "Restore now" });
    expect(await restoreNow.isDisabled()).toBe(true);
    await dialog.getByLabel("type the database name to confirm").fill(source.database);
    await screenshot(page, "restore-confirm");
    await restoreNow.click();
    await dialog.getByText(/^Restore (succeeded|failed)$/).waitFor({ timeout: 60_000 });
    await screenshot(page, "restore-done");
    expect(await dialog.getByRole("status").textContent()).toMatch(/^Restore succeeded/);
    await dialog.getByText(/Safety backup:/).waitFor();
    await screenshot(page, "restore-done");

    const [after] = await sql<{ n: string; overwritten: string }>(source, "SELECT count(*)::text AS n, count(*) FILTER (WHERE name = 'overwritten')::text AS overwritten FROM shop.customers");
    expect(after).toEqual({ n: before!.n, overwritten: "0" });
    await page.context().close();
  });

  test("adding a source tests the connection first and previews the schedule", async () => {
    const page = await signIn(browser, `${server.url}/#/sources`, server.adminToken);
    await page.getByRole("button", { name: "Add source" }).click();
    const form = page.getByRole("form", { name: "add source" });
    await form.getByLabel("Name").fill("second");
    await form.getByLabel(/Connection URL/).fill(toConnectionString(fixture.source()));
    expect(await form.getByRole("button", { name: "Save" }).isDisabled()).toBe(true);
    await form.getByLabel("Schedule (cron)").fill("not a cron");
    await form.getByRole("alert").waitFor();
    await form.getByLabel("Schedule (cron)").fill("30 2 * * 1-5");
    await form.getByLabel("next runs").locator("li").nth(4).waitFor();
    await form.getByRole("button", { name: "Test connection" }).click();
    await form.getByText(/7 base tables/).waitFor();
    await screenshot(page, "source-form");
    await form.getByRole("button", { name: "Save" }).click();
    await page.getByRole("cell", { name: "second" }).waitFor();
    await page.context().close();
  });
});
