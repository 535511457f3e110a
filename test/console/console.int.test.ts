import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultProxy } from "../../chaos/live/fault-proxy.js";
import { ensureConsoleBuilt } from "../../console/build/console-build.js";
import type { JobEvent } from "../../contracts/index.js";
import { parseTopology } from "../../contracts/topology-file.js";
import { type LocalStack, startLocalStack } from "../../stack/local-stack.js";
import { type Browser, browserMissing, launchBrowser } from "../support/browser.js";
import { sampleChaosReport } from "./sample-chaos-report.js";

const missing = browserMissing();
if (missing !== undefined) process.stdout.write(`skipping the console browser tests: ${missing}\n`);

/**
 * The console in a real browser (headless Chromium) against a real local stack: the embedded Cosmos
 * DB peer, the Service Bus broker process, the coordinator with its dispatcher, and the autoscaler
 * starting factory-agent processes. The browser reaches the coordinator through a TCP proxy, so a
 * test can cut its connections as a network would.
 */
describe.skipIf(missing !== undefined)("the operator console in a browser", () => {
  let stack: LocalStack;
  let proxy: FaultProxy;
  let browser: Browser;
  let page: Page;
  let ui: string;
  const reportsDir = ".tmp/console-test/reports";

  const call = async <T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${stack.operatorToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  };
  const submit = async (key: string, extra: Record<string, unknown> = {}) =>
    (await call<{ job: { id: string } }>("POST", "/fleet/jobs", { idempotencyKey: key, title: `console test ${key}`, bodyMd: `# ${key}`, capabilities: ["lang:ts"], ...extra })).job.id;
  // A job that never moves by itself: it waits for "gate", which was cancelled (a hard dependency
  // on a cancelled job is never met), so only an operator changes it.
  let gate: string | undefined;
  const blockedJob = async (key: string) => {
    if (gate === undefined) {
      gate = await submit("gate");
      await call("POST", `/fleet/jobs/${gate}/actions/cancel`, { reason: "the gate stays shut" });
    }
    return submit(key, { deps: ["gate"] });
  };
  const events = async (id: string) => (await call<{ items: JobEvent[] }>("GET", `/fleet/jobs/${id}/events`)).items;
  const go = async (path: string) => {
    await page.goto(`${ui}${path}`);
  };

  beforeAll(async () => {
    await ensureConsoleBuilt();
    mkdirSync(reportsDir, { recursive: true });
    writeFileSync(join(reportsDir, "chaos-live-broker-outage.json"), JSON.stringify(sampleChaosReport()));
    const topology = parseTopology({
      topic: "assignments",
      pools: [
        {
          name: "general",
          capabilities: ["lang:ts", "engine:sim"],
          image: "factory:test",
          seats: 1,
          maxReplicas: 3,
          workload: "scaledJob",
          scalingStrategy: "accurate",
          pollingIntervalSeconds: 1,
          leaseSeconds: 5,
          acceptTimeoutSeconds: 60,
          lockDurationSeconds: 10,
          maxDeliveryCount: 5,
        },
      ],
    });
    stack = await startLocalStack({
      topology,
      logger: pino({ level: "silent" }),
      apiPort: 0,
      scalerPort: 0,
      workDir: ".tmp/console-test",
      agentEnv: { ENGINE: "sim", SIM_DURATION_MS: "1200", IDLE_TIMEOUT_SECONDS: "5", HEARTBEAT_SECONDS: "1", LOG_LEVEL: "warn" },
      console: { reportsDir, poolHistory: { intervalMs: 500 } },
    });
    const target = new URL(stack.url);
    proxy = new FaultProxy({ host: target.hostname, port: Number(target.port) });
    ui = `http://127.0.0.1:${await proxy.start()}/ui`;
    browser = await launchBrowser();
    page = await browser.page();
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await stack?.stop();
  });

  it("signs in with an operator token kept in session storage, never in a URL", async () => {
    await go("/");
    await page.getByLabel("operator token").waitFor();
    await browser.shot(page, "login");
    await page.getByLabel("operator token").fill("op-demo.wrong");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That token was not accepted").waitFor();
    await page.getByLabel("operator token").fill(stack.operatorToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator('[data-pool="general"]').waitFor();
    await page.getByText("product demo").waitFor();
    await page.locator('.topbar [data-connection="live"]').waitFor();
    expect(page.url()).not.toContain(stack.operatorToken.split(".")[1]!);
    expect(await page.evaluate("Object.keys(sessionStorage)")).toEqual(["fleet-dispatch.operator-token"]);
  });

  it("watches a job go from queued to shipped on the live timeline", async () => {
    const id = await submit("watch-me");
    await go(`/jobs/${id}`);
    const timeline = page.getByTestId("timeline");
    await timeline.locator('[data-connection="live"]').waitFor();
    await timeline.locator('[data-type="submitted"]').waitFor();
    await page.locator('.job-detail[data-stage="shipped"]').waitFor({ timeout: 30_000 });
    await timeline.locator('[data-type="shipped"]').waitFor();
    const shown = await timeline.locator("li").evaluateAll((items) => items.map((item) => item.getAttribute("data-type")).reverse());
    expect(shown).toEqual((await events(id)).map((e) => e.type));
    expect(shown.indexOf("assigned")).toBeGreaterThan(shown.indexOf("submitted"));
    expect(shown.indexOf("accepted")).toBeGreaterThan(shown.indexOf("assigned"));
    await page.getByTestId("runs").getByText("shipped").first().waitFor();
    await browser.shot(page, "job-detail");
  });

  it("shows a pool scale up and back to zero on the overview, live", async () => {
    await go("/");
    const card = page.locator('[data-pool="general"]');
    await card.locator('[data-figure="actual"]').filter({ hasText: /^0$/ }).waitFor({ timeout: 30_000 });
    await Promise.all([submit("scale-1"), submit("scale-2"), submit("scale-3")]);
    await card.locator('[data-figure="actual"]').filter({ hasText: /^[1-9]$/ }).waitFor({ timeout: 20_000 });
    await card.locator('[data-figure="desired"]').filter({ hasText: /^[1-9]$/ }).waitFor();
    await browser.shot(page, "overview-scaled-up");
    await card.locator('[data-figure="actual"]').filter({ hasText: /^0$/ }).waitFor({ timeout: 30_000 });
    await card.locator('[data-figure="in-flight"]').filter({ hasText: /^0 of 3$/ }).waitFor();
    await card.locator(".chart canvas").first().waitFor();
    await page.getByTestId("fleet-totals").getByText("shipped (1 h)").waitFor();
    await browser.shot(page, "overview");
  });

  it("answers why a blocked job is not running", async () => {
    const blocked = await blockedJob("waits-for-gate");
    await go(`/jobs/${blocked}`);
    await page.locator('.job-detail[data-stage="blocked"]').waitFor();
    const why = await fetch(`${stack.url}/fleet/jobs/${blocked}/why`, { headers: { authorization: `Bearer ${stack.operatorToken}` } });
    if (why.status === 404) {
      await page.getByTestId("why-unavailable").getByText("Not available on this coordinator").waitFor();
    } else {
      const answer = (await why.json()) as { sentence: string };
      await page.getByTestId("why").getByText(answer.sentence).waitFor();
    }
    // The graph shows the dependency and links to it.
    await page.locator(`[data-node="${gate}"]`).waitFor();
    await browser.shot(page, "why-blocked-job");
    await go(`/why?job=${blocked}`);
    await page.locator(why.status === 404 ? '[data-testid="why-unavailable"]' : '[data-testid="why"]').waitFor();
    await browser.shot(page, "why");
  });

  it("reconnects a dropped stream and shows the events it missed", async () => {
    const id = await blockedJob("cut-off");
    await go(`/jobs/${id}`);
    const timeline = page.getByTestId("timeline");
    await timeline.locator('[data-connection="live"]').waitFor();
    await timeline.locator('[data-type="submitted"]').waitFor();
    // The network goes away: every connection through the proxy is cut, new ones refused.
    proxy.set({ kind: "refuse" });
    await timeline.locator('[data-connection="reconnecting"], [data-connection="polling"]').first().waitFor({ timeout: 15_000 });
    await browser.shot(page, "job-detail-reconnecting");
    // While the browser is cut off, an operator (straight to the coordinator) cancels the job.
    await call("POST", `/fleet/jobs/${id}/actions/cancel`, { reason: "cancelled while the console was offline" });
    proxy.set({ kind: "pass" });
    await timeline.locator('[data-type="cancelled"]').waitFor({ timeout: 20_000 });
    await timeline.locator('[data-connection="live"]').waitFor({ timeout: 20_000 });
    const seqs = await timeline.locator("li").evaluateAll((items) => items.map((item) => Number(item.getAttribute("data-seq"))).reverse());
    expect(seqs).toEqual((await events(id)).map((e) => e.seq));
  });

  it("falls back to polling, visibly, while streams are refused", async () => {
    const id = await blockedJob("polled");
    // The coordinator refuses this browser's job streams (its stream limit), as a 429 says.
    await page.route(`**/fleet/jobs/${id}/events/stream`, (route) =>
      route.fulfill({
        status: 429,
        headers: { "content-type": "application/json", "retry-after": "60" },
        body: JSON.stringify({ error: { code: "RATE_LIMITED", message: "this credential already has 16 open event streams (the limit is 16)" } }),
      }),
    );
    await go(`/jobs/${id}`);
    const timeline = page.getByTestId("timeline");
    await timeline.locator('[data-connection="polling"]').waitFor({ timeout: 15_000 });
    await timeline.locator('[data-type="submitted"]').waitFor({ timeout: 10_000 });
    await call("POST", `/fleet/jobs/${id}/actions/cancel`, {});
    await timeline.locator('[data-type="cancelled"]').waitFor({ timeout: 15_000 });
    await browser.shot(page, "job-detail-polling");
    await page.unroute(`**/fleet/jobs/${id}/events/stream`);
  });

  it("groups dead letters, previews a bulk replay without doing it, and replays one", async () => {
    const poison = await Promise.all(["poison-1", "poison-2"].map((key) => submit(key, { bodyMd: `# ${key}\nsim:poison`, retry: { max: 0, backoffSeconds: 0, backoffMaxSeconds: 0 } })));
    for (const id of poison) {
      for (let i = 0; i < 120; i++) {
        const job = await call<{ stage: string }>("GET", `/fleet/jobs/${id}`);
        if (job.stage === "dead_letter") break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    await go("/dead-letters");
    const groups = page.locator("table.groups tbody tr");
    await groups.first().waitFor();
    await page.locator(`[data-dead-letter="${poison[0]}"]`).waitFor();
    await page.locator(`[data-dead-letter="${poison[0]}"]`).getByRole("button", { name: "cause" }).click();
    await page.locator(".cause").getByText("last run:").waitFor();
    await page.locator("[data-bulk=replay]").click();
    const preview = page.getByTestId("bulk-preview");
    await preview.getByText("Nothing has been done yet").waitFor();
    await preview.getByText("poison-1").waitFor();
    await preview.getByText("poison-2").waitFor();
    await browser.shot(page, "dead-letters");
    // The dry run changed nothing.
    expect((await call<{ stage: string }>("GET", `/fleet/jobs/${poison[0]}`)).stage).toBe("dead_letter");
    await preview.getByRole("button", { name: "cancel" }).click();
    await page.locator(`[data-dead-letter="${poison[1]}"]`).getByRole("button", { name: "Replay" }).click();
    const dialog = page.locator("dialog.confirm");
    await dialog.getByText("retries starting over").waitFor();
    await dialog.getByRole("button", { name: "Replay the job" }).click();
    await page.locator(`[data-dead-letter="${poison[1]}"]`).waitFor({ state: "detached", timeout: 5000 });
    const replayed = await events(poison[1]!);
    expect(replayed.some((e) => e.type === "requeued" && String(e.data?.reason ?? "").includes("replayed"))).toBe(true);
  });

  it("lists the jobs with stage tabs, reads budgets and renders the chaos reports", async () => {
    await go("/jobs");
    await page.locator("table.jobs-table tbody tr").first().waitFor();
    await page.getByRole("link", { name: "watch-me" }).waitFor();
    await browser.shot(page, "jobs");
    await page.getByRole("tab", { name: /^shipped/ }).click();
    await page.getByRole("link", { name: "watch-me" }).waitFor();
    expect(await page.locator("table.jobs-table .stage").allTextContents()).toEqual(expect.arrayContaining(["shipped"]));
    expect(new Set(await page.locator("table.jobs-table .stage").allTextContents())).toEqual(new Set(["shipped"]));

    await go("/budgets");
    const budget = await fetch(`${stack.url}/fleet/budgets/demo`, { headers: { authorization: `Bearer ${stack.operatorToken}` } });
    if (budget.status === 404) await page.getByText("Budgets are not available on this coordinator").waitFor();
    else await page.getByTestId("budget").waitFor();
    await browser.shot(page, "budgets");

    await go("/reports");
    await page.getByRole("link", { name: "chaos-live-broker-outage.json" }).click();
    await page.locator('[data-verdict="PASS"]').waitFor();
    await page.locator('[data-scenario="broker-outage"] .chart canvas').nth(4).waitFor();
    expect(await page.locator('[data-scenario="broker-outage"] .chart').count()).toBe(5);
    await browser.shot(page, "reports");
  });
});
