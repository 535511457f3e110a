import type { ScenarioResult } from "./run-scenario.js";

const WIDTH = 640;
const HEIGHT = 180;

/** A self-contained HTML report: per scenario, throughput (shipped), backlog (open jobs), dead
 * letters and live agents over time as inline SVG, with the fault windows shaded. */
export function renderHtmlReport(results: readonly ScenarioResult[], title: string): string {
  const sections = results.map((r) => {
    const maxT = Math.max(1, ...r.samples.map((s) => s.t));
    const maxY = Math.max(1, ...r.samples.flatMap((s) => [s.shipped, s.open, s.deadLetters, s.agents]));
    const x = (t: number) => (t / maxT) * WIDTH;
    const y = (v: number) => HEIGHT - (v / maxY) * HEIGHT;
    const line = (pick: (s: ScenarioResult["samples"][number]) => number, color: string) =>
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${r.samples.map((s) => `${x(s.t).toFixed(1)},${y(pick(s)).toFixed(1)}`).join(" ")}"/>`;
    const shading = r.faultWindows
      .map((w) => `<rect x="${x(w.from).toFixed(1)}" y="0" width="${Math.max(2, x(w.to) - x(w.from)).toFixed(1)}" height="${HEIGHT}" fill="#f3c4c4" opacity="0.5"><title>${escapeHtml(w.fault)}</title></rect>`)
      .join("");
    const figures = Object.entries(r.figures)
      .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(typeof v === "object" ? JSON.stringify(v) : String(v))}</td></tr>`)
      .join("");
    return `<section><h2>${escapeHtml(r.name)} ${r.ok ? "✅" : "❌"}</h2><p>${escapeHtml(r.description)} (${r.seconds.toFixed(0)} s)</p>
<svg width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" style="border:1px solid #ccc">${shading}${line((s) => s.shipped, "#2a7")}${line((s) => s.open, "#27c")}${line((s) => s.deadLetters, "#c22")}${line((s) => s.agents, "#888")}</svg>
<p><span style="color:#2a7">shipped (throughput)</span> · <span style="color:#27c">open (backlog)</span> · <span style="color:#c22">dead letters</span> · <span style="color:#888">live agents</span> · shaded: fault windows</p>
<table>${figures}</table>${r.violations.length > 0 ? `<ul>${r.violations.map((v) => `<li>${escapeHtml(v)}</li>`).join("")}</ul>` : ""}</section>`;
  });
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>body{font-family:sans-serif;margin:2em}td{padding:2px 8px}section{margin-bottom:2em}</style></head><body><h1>${escapeHtml(title)}</h1>${sections.join("\n")}</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
