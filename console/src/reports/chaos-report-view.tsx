import { type ChartBand, TimeChart } from "../charts/time-chart.js";
import { formatCount } from "../format/numbers.js";
import type { ChaosReport, ChaosScenario } from "./chaos-report-types.js";
import { throughput } from "./chaos-series.js";

/**
 * A live chaos report, readable: a summary table with a plain PASS/FAIL per scenario, then per
 * scenario its charts over time (throughput, backlog, dead letters, live agents, latency) with the
 * fault windows shaded and labelled, and its figures as tables. Used by the console's reports page
 * and by the self-contained HTML report `npm run chaos` writes.
 */
export function ChaosReportView({ report, title }: { report: ChaosReport; title?: string }) {
  const passed = report.results.filter((r) => r.ok).length;
  const verdict = passed === report.results.length ? "PASS" : "FAIL";
  return (
    <div class="chaos-report">
      {title === undefined ? null : <h1>{title}</h1>}
      <p class={`verdict verdict-${verdict.toLowerCase()}`} data-verdict={verdict}>
        {verdict}: {passed} of {report.results.length} scenario{report.results.length === 1 ? "" : "s"} passed
        {report.wallSeconds === undefined ? "" : ` in ${Math.round(report.wallSeconds)} s`}
        {report.jobsPerScenario === undefined ? "" : `, ${report.jobsPerScenario} jobs per scenario`}
      </p>
      <table class="table summary">
        <thead>
          <tr>
            <th>scenario</th>
            <th>result</th>
            <th class="num">jobs</th>
            <th class="num">shipped</th>
            <th class="num">dead letters</th>
            <th class="num">lost</th>
            <th class="num">duplicate completions</th>
            <th class="num">fenced writes</th>
            <th class="num">shipped p50 / p99 (s)</th>
            <th>faults injected</th>
            <th class="num">seconds</th>
          </tr>
        </thead>
        <tbody>
          {report.results.map((r) => (
            <tr key={r.name}>
              <td>
                <a href={`#scenario-${r.name}`}>{r.name}</a>
              </td>
              <td>
                <span class={r.ok ? "pass" : "fail"}>{r.ok ? "PASS" : "FAIL"}</span>
              </td>
              <td class="num">{formatCount(r.figures.jobs)}</td>
              <td class="num">{formatCount(r.figures.shipped)}</td>
              <td class="num">{formatCount(r.figures.deadLettered)}</td>
              <td class="num">{formatCount(r.figures.lost)}</td>
              <td class="num">{formatCount(r.figures.duplicateCompletions)}</td>
              <td class="num">{formatCount(r.figures.fencedRejections)}</td>
              <td class="num">{r.figures.latency === undefined ? "–" : `${r.figures.latency.shippedP50} / ${r.figures.latency.shippedP99}`}</td>
              <td>{faultList(r)}</td>
              <td class="num">{Math.round(r.seconds)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {report.results.map((r) => (
        <ScenarioSection key={r.name} scenario={r} />
      ))}
    </div>
  );
}

function faultList(r: ChaosScenario): string {
  const entries = Object.entries(r.figures.faults);
  return entries.length === 0 ? "poison jobs only" : entries.map(([fault, count]) => `${fault} x${count}`).join(", ");
}

function ScenarioSection({ scenario }: { scenario: ChaosScenario }) {
  const x = scenario.samples.map((s) => s.t);
  const bands: ChartBand[] = scenario.faultWindows.map((w) => ({ from: w.from, to: Number.isFinite(w.to) ? w.to : scenario.seconds, label: w.fault }));
  const hasLatency = scenario.samples.some((s) => s.shippedP50 !== undefined);
  const f = scenario.figures;
  const rows: [string, string][] = [
    ["jobs submitted", formatCount(f.jobs)],
    ["shipped", formatCount(f.shipped)],
    ["dead-lettered", formatCount(f.deadLettered)],
    ["lost", formatCount(f.lost)],
    ["duplicate completions", formatCount(f.duplicateCompletions)],
    ["fenced writes rejected", formatCount(f.fencedRejections)],
    ["publish failures", formatCount(f.publishFailures)],
    ["republished after recovery", formatCount(f.republished)],
    ["broker proxy: refused / reset / dropped chunks", `${f.proxy.refused} / ${f.proxy.resets} / ${f.proxy.droppedChunks}`],
    ...(f.storeProxy === undefined ? [] : ([["store proxy: refused / reset / delayed chunks", `${f.storeProxy.refused} / ${f.storeProxy.resets} / ${f.storeProxy.delayedChunks}`]] as [string, string][])),
  ];
  return (
    <section class="card scenario" id={`scenario-${scenario.name}`} data-scenario={scenario.name}>
      <header>
        <h2>
          {scenario.name}: <span class={scenario.ok ? "pass" : "fail"}>{scenario.ok ? "PASS" : "FAIL"}</span>
        </h2>
        <span class="muted">{Math.round(scenario.seconds)} s</span>
      </header>
      <p>{scenario.description}</p>
      {scenario.violations.length === 0 ? null : (
        <div class="violations">
          <strong>Violations ({scenario.violations.length})</strong>
          <ul>
            {scenario.violations.slice(0, 50).map((v) => (
              <li key={v}>{v}</li>
            ))}
          </ul>
          {scenario.violations.length > 50 ? <p class="muted">and {scenario.violations.length - 50} more in the JSON report</p> : null}
        </div>
      )}
      {scenario.samples.length < 2 ? (
        <p class="muted">Too few samples to chart.</p>
      ) : (
        <div class="chart-grid">
          <TimeChart title="throughput" x={x} xKind="elapsed" left="jobs shipped / s" bands={bands} series={[{ label: "shipped per second", color: "#1f7a4d", values: throughput(scenario.samples) }]} />
          <TimeChart title="backlog" x={x} xKind="elapsed" left="open jobs" integer bands={bands} series={[{ label: "open (not yet terminal)", color: "#2a6fdb", values: scenario.samples.map((s) => s.open) }]} />
          <TimeChart title="dead letters" x={x} xKind="elapsed" left="jobs" integer bands={bands} series={[{ label: "dead-lettered (total)", color: "#d64541", step: true, values: scenario.samples.map((s) => s.deadLetters) }]} />
          <TimeChart title="live agents" x={x} xKind="elapsed" left="agents" integer bands={bands} series={[{ label: "agent processes", color: "#6b7280", step: true, values: scenario.samples.map((s) => s.agents) }]} />
          {hasLatency ? (
            <TimeChart
              title="latency"
              x={x}
              xKind="elapsed"
              left="seconds"
              bands={bands}
              series={[
                { label: "submit to shipped p50", color: "#7b61c9", values: scenario.samples.map((s) => s.shippedP50 ?? null) },
                { label: "submit to shipped p99", color: "#7b61c9", dash: [6, 4], values: scenario.samples.map((s) => s.shippedP99 ?? null) },
                { label: "submit to accept p50", color: "#c77d12", values: scenario.samples.map((s) => s.acceptP50 ?? null) },
                { label: "submit to accept p99", color: "#c77d12", dash: [6, 4], values: scenario.samples.map((s) => s.acceptP99 ?? null) },
              ]}
            />
          ) : (
            <p class="muted">This report has no latency over time (written before it was recorded); the totals are below.</p>
          )}
        </div>
      )}
      <div class="figure-tables">
        <table class="table">
          <caption>Figures</caption>
          <tbody>
            {rows.map(([name, value]) => (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td class="num">{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {f.latency === undefined ? null : (
          <table class="table">
            <caption>Latency (seconds)</caption>
            <thead>
              <tr>
                <th />
                <th class="num">p50</th>
                <th class="num">p99</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">submit to first accept</th>
                <td class="num">{f.latency.acceptP50}</td>
                <td class="num">{f.latency.acceptP99}</td>
              </tr>
              <tr>
                <th scope="row">submit to shipped</th>
                <td class="num">{f.latency.shippedP50}</td>
                <td class="num">{f.latency.shippedP99}</td>
              </tr>
              <tr>
                <th scope="row">outbox, worst lag</th>
                <td class="num" colSpan={2}>
                  {f.latency.outboxMaxLagS}
                </td>
              </tr>
            </tbody>
          </table>
        )}
        <table class="table">
          <caption>Faults</caption>
          <thead>
            <tr>
              <th>fault</th>
              <th class="num">injected</th>
              <th>windows (s since start)</th>
            </tr>
          </thead>
          <tbody>
            {Object.keys(f.faults).length === 0 ? (
              <tr>
                <td colSpan={3} class="muted">
                  none beyond poison jobs
                </td>
              </tr>
            ) : (
              Object.entries(f.faults).map(([fault, count]) => (
                <tr key={fault}>
                  <td>{fault}</td>
                  <td class="num">{count}</td>
                  <td>
                    {scenario.faultWindows
                      .filter((w) => w.fault === fault)
                      .map((w) => `${w.from.toFixed(1)} to ${Number.isFinite(w.to) ? w.to.toFixed(1) : "end"}`)
                      .join(", ")}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
