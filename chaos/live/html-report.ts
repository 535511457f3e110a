import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CHAOS_REPORT_BUNDLE, CHAOS_REPORT_STYLES, consoleBuildIsCurrent } from "../../console/build/console-build.js";
import type { ScenarioResult } from "./run-scenario.js";

/**
 * A self-contained HTML report of a live chaos run, drawn by the operator console's own report
 * view and charts (uPlot): per scenario throughput, backlog, dead letters, live agents and latency
 * percentiles over time with the fault windows shaded and labelled, axes with units and ticks, and
 * the figures as tables; a plain-text PASS/FAIL. The console's report bundle and styles are inlined
 * with the run's JSON, so the file opens anywhere, offline, with nothing fetched.
 */
export function renderHtmlReport(results: readonly ScenarioResult[], title: string, extra: { wallSeconds?: number; jobsPerScenario?: number } = {}): string {
  const { script, styles } = reportAssets();
  const passed = results.filter((r) => r.ok).length;
  const verdict = passed === results.length ? "PASS" : "FAIL";
  const data = { mode: "live", ...extra, results };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${styles}
body { background: var(--page); margin: 0; }
#report { padding: 20px; max-width: 1500px; margin: 0 auto; }
</style>
</head>
<body>
<div id="report">
<h1>${escapeHtml(title)}</h1>
<p class="verdict verdict-${verdict.toLowerCase()}">${verdict}: ${passed} of ${results.length} scenarios passed</p>
<noscript><p>The charts and tables of this report are drawn by its inlined script; the same data is in the JSON report beside this file.</p>
<ul>${results.map((r) => `<li>${escapeHtml(r.name)}: ${r.ok ? "PASS" : "FAIL"}</li>`).join("")}</ul></noscript>
</div>
<script id="chaos-data" type="application/json">${jsonForScript(data)}</script>
<script>${script}</script>
</body>
</html>
`;
}

/** The console's report bundle, built first when missing or older than its sources. */
function reportAssets(): { script: string; styles: string } {
  if (!consoleBuildIsCurrent()) {
    const cli = fileURLToPath(new URL("../../console/build/cli.ts", import.meta.url));
    execFileSync(process.execPath, ["--import", "tsx", cli], { stdio: ["ignore", "ignore", "inherit"] });
  }
  return {
    // A literal "</script" inside the bundle would end the element early.
    script: readFileSync(CHAOS_REPORT_BUNDLE, "utf8").replace(/<\/script/gi, "<\\/script"),
    styles: readFileSync(CHAOS_REPORT_STYLES, "utf8").replace(/<\/style/gi, "<\\/style"),
  };
}

/** JSON inside <script>: no "</script>", no HTML comment openers, NaN as null (JSON has no NaN). */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
