import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureConsoleBuilt } from "../../console/build/console-build.js";
import { artifactFileKey, artifactIdOf, attemptLogKey, type JobDoc } from "../../contracts/index.js";
import { MemoryArtifactStore } from "../../artifacts/memory/memory-artifact-store.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { type ApiHarness, startApiHarness } from "../support/api-harness.js";
import { type Browser, browserMissing, launchBrowser } from "../support/browser.js";

const missing = browserMissing();
if (missing !== undefined) process.stdout.write(`skipping the console's review and log tests: ${missing}\n`);

/**
 * The job page's review gate, live log and artifacts in a real browser (headless Chromium),
 * against a coordinator on the memory store with an artifact store in memory: the test plays the
 * factory (accept, write the log, release with artifacts) so every step is deterministic.
 */
describe.skipIf(missing !== undefined)("the console's job page: review, live log, artifacts", () => {
  let h: ApiHarness;
  let url: string;
  let browser: Browser;
  let page: Page;
  const bytes = new MemoryArtifactStore();

  beforeAll(async () => {
    await ensureConsoleBuilt();
    h = await startApiHarness(new MemoryStore(), undefined, { artifacts: { store: bytes, retentionDays: 30 } });
    url = await h.app.listen("127.0.0.1", 0);
    browser = await launchBrowser();
    page = await browser.page();
    await page.goto(`${url}/ui/`);
    await page.getByLabel("operator token").fill(h.tokens.operator);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator(".topbar").waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  const call = async <T>(method: "GET" | "POST", path: string, body?: unknown, as: "operator" | "general" = "operator") => {
    const response = await h.call(method, path, { as, ...(as === "general" ? { factoryId: "f-1" } : {}), ...(body === undefined ? {} : { body }) });
    expect(response.statusCode, response.body).toBeLessThan(300);
    return response.json() as T;
  };
  /** Submitted, assigned and accepted by f-1: running. */
  const running = async (key: string, extra: Record<string, unknown> = {}) => {
    const { job } = await call<{ job: JobDoc }>("POST", "/fleet/jobs", { idempotencyKey: key, title: `Console ${key}`, bodyMd: `# ${key}`, capabilities: ["lang:ts"], ...extra });
    await h.tick();
    const assigned = await call<JobDoc>("GET", `/fleet/jobs/${job.id}`);
    await call("POST", `/fleet/jobs/${job.id}/lease/accept`, { leaseEpoch: assigned.leaseEpoch }, "general");
    return assigned;
  };

  it("shows the log as the attempt writes it, then the review gate and the artifacts, and approves with a confirmation", async () => {
    const job = await running("reviewed", { review: { approvals: 1 } });
    const logKey = attemptLogKey("acme", job.id, job.leaseEpoch);
    await bytes.append(logKey, Buffer.from("[fleet] stage building\nhello from the engine\n"));
    await page.goto(`${url}/ui/jobs/${job.id}`);
    const log = page.getByTestId("live-log");
    await log.getByTestId("log-text").getByText("hello from the engine").waitFor();
    expect(await log.getAttribute("data-live")).toBe("yes");
    await bytes.append(logKey, Buffer.from("second step done\n"));
    await log.getByTestId("log-text").getByText("second step done").waitFor({ timeout: 10_000 });
    await page.getByTestId("review").getByText("Not reviewed").waitFor();
    await browser.shot(page, "job-live-log");

    const fileKey = artifactFileKey("acme", job.id, job.leaseEpoch, 1, "report.md");
    await bytes.put(fileKey, Buffer.from("# report\nall green\n"), { contentType: "text/markdown; charset=utf-8" });
    await call(
      "POST",
      `/fleet/jobs/${job.id}/lease/release`,
      {
        leaseEpoch: job.leaseEpoch,
        outcome: "shipped",
        branch: `fleet/reviewed/${job.leaseEpoch}`,
        commit: "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
        prUrl: "https://git.example/acme/api/pull/3",
        artifacts: [
          { id: artifactIdOf(job.id, job.leaseEpoch, "log"), name: "attempt.log", kind: "log", key: logKey, uri: bytes.uriOf(logKey), bytes: 62, uploadedAt: h.clock.now() },
          { id: artifactIdOf(job.id, job.leaseEpoch, 1), name: "report.md", kind: "file", key: fileKey, uri: bytes.uriOf(fileKey), bytes: 19, contentType: "text/markdown; charset=utf-8", uploadedAt: h.clock.now() },
        ],
      },
      "general",
    );
    const review = page.getByTestId("review");
    await page.locator('.job-detail[data-stage="review"]').waitFor();
    await page.locator('[data-testid="review"][data-awaiting="yes"]').waitFor();
    await review.getByTestId("review-state").getByText("0 of 1 approvals").waitFor();
    await review.getByTestId("review-deliverable").getByText(`fleet/reviewed/${job.leaseEpoch}`).waitFor();
    await page.getByTestId("runs").getByTestId("deliverable").getByRole("link", { name: "pull request ↗" }).waitFor();
    await page.getByTestId("why").getByText("waiting for its reviewers").waitFor();
    const artifacts = page.getByTestId("artifacts");
    await artifacts.locator(`[data-artifact="${artifactIdOf(job.id, job.leaseEpoch, 1)}"][data-state="available"]`).waitFor();
    const [saved] = await Promise.all([page.waitForEvent("download"), artifacts.locator(`[data-download="${artifactIdOf(job.id, job.leaseEpoch, 1)}"]`).click()]);
    expect(saved.suggestedFilename()).toBe("report.md");
    expect(await readFile((await saved.path())!, "utf8")).toBe("# report\nall green\n");
    await browser.shot(page, "job-review-awaiting");

    await review.locator('[data-verdict="approve"]').click();
    const dialog = page.locator("dialog.confirm");
    await dialog.getByText("This reaches quorum").waitFor();
    await dialog.getByLabel("comment (recorded on the job's timeline, optional)").fill("reads well");
    await dialog.getByRole("button", { name: "Approve" }).click();
    await page.locator('.job-detail[data-stage="shipped"]').waitFor();
    await page.getByRole("status").getByText("Approve: the job is now shipped (approved by op-acme).").waitFor();
    await review.getByTestId("review-decisions").getByText("reads well").waitFor();
    expect((await call<JobDoc>("GET", `/fleet/jobs/${job.id}`)).review?.decisions).toEqual([expect.objectContaining({ reviewer: "op-acme", verdict: "approve", comment: "reads well" })]);
  });

  it("will not request changes without a comment, and sends the job back with one", async () => {
    const job = await running("rework", { review: { approvals: 1 } });
    await call("POST", `/fleet/jobs/${job.id}/lease/release`, { leaseEpoch: job.leaseEpoch, outcome: "shipped" }, "general");
    await page.goto(`${url}/ui/jobs/${job.id}`);
    const review = page.getByTestId("review");
    await review.locator('[data-verdict="request_changes"]').click();
    const dialog = page.locator("dialog.confirm");
    const confirm = dialog.getByRole("button", { name: "Request changes" });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel("comment (required: the next attempt or the record reads it)").fill("rename the route");
    expect(await confirm.isDisabled()).toBe(false);
    await confirm.click();
    await page.locator('.job-detail[data-stage="queued"]').waitFor();
    await review.getByTestId("review-state").getByText("changes requested").waitFor();
    const after = await call<JobDoc>("GET", `/fleet/jobs/${job.id}`);
    expect(after).toMatchObject({ stage: "queued", leaseEpoch: job.leaseEpoch + 1, stageReason: "changes requested by op-acme: rename the route" });
  });
});
