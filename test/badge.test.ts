import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, test } from "vitest";
import { BACKUP_STATUSES, VERIFY_LEVELS } from "../src/domain/enums.ts";
import { LEVEL_BADGES, STATUS_BADGES, badgeFor } from "../web/src/badge.ts";
import { BackupBadge } from "../web/src/components/BadgeView.tsx";

describe("verification badge", () => {
  test("every status and level has a label", () => {
    for (const status of BACKUP_STATUSES) expect(STATUS_BADGES[status]).toBeDefined();
    for (const level of VERIFY_LEVELS) expect(LEVEL_BADGES[level].label).toMatch(/^Verified \(/);
  });

  test.each([
    [{ status: "verified", verifyLevel: "full-restore" }, "Verified (full-restore)", "good"],
    [{ status: "verified", verifyLevel: "header-only" }, "Verified (header-only)", "fair"],
    [{ status: "failed", verifyLevel: "full-restore" }, "Verification failed", "bad"],
    [{ status: "failed", verifyLevel: "header-only" }, "Verification failed", "bad"],
    [{ status: "failed", verifyLevel: null }, "Backup failed", "bad"],
    [{ status: "completed", verifyLevel: null }, "Not verified", "neutral"],
    [{ status: "in_progress", verifyLevel: null }, "In progress", "busy"],
  ] as const)("%o shows %s", (backup, label, tone) => {
    expect(badgeFor(backup)).toEqual({ label, tone });
    const html = renderToStaticMarkup(createElement(BackupBadge, { backup }));
    expect(html).toBe(`<span class="badge badge-${tone}">${label}</span>`);
  });
});
