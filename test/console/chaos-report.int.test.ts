import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHtmlReport } from "../../chaos/live/html-report.js";
import { ensureConsoleBuilt } from "../../console/build/console-build.js";
import { type Browser, browserMissing, launchBrowser, SCREENSHOTS } from "../support/browser.js";
import { sampleScenario } from "./sample-chaos-report.js";

const missing = browserMissing();
if (missing !== undefined) process.stdout.write(`skipping the chaos report browser test: ${missing}\n`);

const failing = () =>
  sampleScenario({
    name: "combined",
    description: "outage, churn and a stalled worker at once",
    ok: false,
    violations: ["lost: job j-1 is queued after the drain", 'double completion: job j-2 shipped 2 times </script><b id="injected">x</b>'],
    faultWindows: [
      { fault: "agent-pause", from: 3, to: 8 },
      { fault: "broker-refuse", from: 5, to: 11 },
    ],
  });

describe("the live chaos HTML report", () => {
  it("is one file with the console's report bundle and the run's data, a plain PASS/FAIL and no emoji", async () => {
    await ensureConsoleBuilt();
    const html = renderHtmlReport([sampleScenario(), failing()], "Fleet Dispatch live chaos (test)");
    expect(html).toContain("FAIL: 1 of 2 scenarios passed");
    expect(html).not.toMatch(/[\u{1F300}-\u{1FAFF}\u2705\u274C]/u);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    const data = /<script id="chaos-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html)?.[1];
    expect(data).toBeDefined();
    const parsed = JSON.parse(data!) as { results: { name: string; violations: string[] }[] };
    expect(parsed.results.map((r) => r.name)).toEqual(["broker-outage", "combined"]);
    // A violation quoting markup stays text: it cannot close the data element.
    expect(parsed.results[1]!.violations[1]).toContain("</script>");
    expect(data).not.toContain("</script>");
  });
});

describe.skipIf(missing !== undefined)("the live chaos HTML report in a browser", () => {
  let browser: Browser;
  beforeAll(async () => {
    await ensureConsoleBuilt();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("draws every chart, with the fault windows, and the figures as tables", async () => {
    const file = resolve(SCREENSHOTS, "chaos-report.html");
    writeFileSync(file, renderHtmlReport([sampleScenario(), failing()], "Fleet Dispatch live chaos (test)", { wallSeconds: 41, jobsPerScenario: 20 }));
    const page = await browser.page();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`file://${file}`);
    await page.locator('[data-verdict="FAIL"]').waitFor();
    for (const name of ["broker-outage", "combined"]) {
      const section = page.locator(`[data-scenario="${name}"]`);
      await section.locator(".chart canvas").nth(4).waitFor();
      expect(await section.locator(".chart").evaluateAll((charts) => charts.map((c) => c.getAttribute("data-chart")))).toEqual(["throughput", "backlog", "dead letters", "live agents", "latency"]);
      // Axis labels and ticks are drawn on the canvas (see the screenshot); the legends are text.
      await section.locator(".u-legend").getByText("shipped per second").waitFor();
      await section.locator(".u-legend").getByText("submit to shipped p99").waitFor();
      await section.getByRole("rowheader", { name: "jobs submitted" }).waitFor();
    }
    await page.locator('[data-scenario="combined"]').getByText("Violations (2)").waitFor();
    expect(await page.locator("#injected").count()).toBe(0);
    expect(await page.locator("body").innerText()).not.toContain('{"');
    expect(errors).toEqual([]);
    await browser.shot(page, "chaos-report");
  });
});
