import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FLEET_METRICS, TARGET_LABELS, metricOfSeries } from "./fleet-metrics.js";
import { ALERT_RULES_FILE, DASHBOARD_FILE, extractMetricNames, loadShippedMonitoring, metricReferences, monitoringExpressions } from "./metric-names.js";
import { seriesReferences } from "./promql-references.js";

const { dashboard, rules } = loadShippedMonitoring();
const series = (expr: string) => seriesReferences(expr).map((r) => r.series);

describe("PromQL series references", () => {
  it("finds metric names among functions, aggregations, grouping labels, durations and keywords", () => {
    expect(series('histogram_quantile(0.95, sum by (le, pool) (rate(fleet_submit_to_accept_seconds_bucket{pool=~"$pool"}[$__rate_interval])))')).toEqual([
      "fleet_submit_to_accept_seconds_bucket",
    ]);
    expect(series("(time() - max by (pool) (fleet_pool_last_accept_timestamp_seconds) > 600) and on (pool) (max by (pool) (fleet_pool_awaiting_accept) > 0)")).toEqual([
      "fleet_pool_last_accept_timestamp_seconds",
      "fleet_pool_awaiting_accept",
    ]);
    expect(series("sum(rate(a_total[5m] offset 1h)) / ignoring (x) group_left (y) b unless c or bool d")).toEqual(["a_total", "b", "c", "d"]);
    expect(series('count_values("version", build_info) + topk(3, x) + {__name__="y", job="j"} + max_over_time(z[1h:5m]) * -Inf')).toEqual(["build_info", "x", "y", "z"]);
    expect(series('label_replace(up, "dst", "$1", "instance", "(.*):by(.*)")')).toEqual(["up"]);
  });

  it("reads matcher labels and equalities, and strips histogram suffixes of histograms only", () => {
    expect(seriesReferences('increase(fleet_jobs_finished_total{outcome="dead_lettered", pool=~"$pool"}[15m])')).toEqual([
      { series: "fleet_jobs_finished_total", matcherLabels: ["outcome", "pool"], equalities: { outcome: "dead_lettered" } },
    ]);
    expect(metricOfSeries("fleet_outbox_publish_lag_seconds_count")).toBe("fleet_outbox_publish_lag_seconds");
    expect(metricOfSeries("fleet_accept_to_finish_seconds_sum")).toBe("fleet_accept_to_finish_seconds");
    expect(metricOfSeries("fleet_pool_ready_jobs_count")).toBe("fleet_pool_ready_jobs_count");
  });

  it.each([["sum(rate(x[5m])"], ["x{pool=}"], ['x{pool="a"'], ["x[5m"], ["rate(x))"], ["x ?? y"]])("refuses the unbalanced or malformed %s", (expr) => {
    expect(() => seriesReferences(expr)).toThrow();
  });
});

describe("the shipped dashboard and alert rules", () => {
  const names = extractMetricNames(dashboard, rules);

  it("reference only metrics the coordinator exports", () => {
    const unknown = metricReferences(dashboard, rules).filter((r) => FLEET_METRICS[r.metric] === undefined);
    expect(unknown.map((r) => `${r.where}: ${r.series}`)).toEqual([]);
    expect(names.length).toBeGreaterThanOrEqual(25);
  });

  it("name every metric that appears anywhere in the files (the extraction misses none)", () => {
    // An independent, cruder scan of the raw text for anything shaped like one of our metrics.
    const raw = `${readFileSync(DASHBOARD_FILE, "utf8")}\n${readFileSync(ALERT_RULES_FILE, "utf8")}`;
    const mentioned = new Set([...raw.matchAll(/\b(?:fleet|process|nodejs)_[a-z0-9_]+/g)].map((m) => metricOfSeries(m[0])));
    expect([...mentioned].sort()).toEqual(names);
  });

  it("match only labels each metric has, and closed label values it takes", () => {
    for (const reference of metricReferences(dashboard, rules)) {
      const definition = FLEET_METRICS[reference.metric]!;
      const allowed = new Set([...definition.labels, ...TARGET_LABELS, ...(reference.series.endsWith("_bucket") ? ["le"] : [])]);
      for (const label of reference.matcherLabels) expect(allowed, `${reference.where}: ${reference.series}{${label}}`).toContain(label);
      for (const [label, value] of Object.entries(reference.equalities)) {
        const values = definition.values?.[label];
        if (values !== undefined) expect(values, `${reference.where}: ${label}="${value}"`).toContain(value);
      }
    }
  });

  it("use the histograms' series and the counters through rate() or increase()", () => {
    for (const { where, expr } of monitoringExpressions(dashboard, rules)) {
      for (const reference of seriesReferences(expr)) {
        const metric = metricOfSeries(reference.series);
        const kind = FLEET_METRICS[metric]?.kind;
        if (kind === "histogram") expect(reference.series, where).not.toBe(metric);
        if (kind === "counter") expect(expr, `${where}: ${reference.series}`).toMatch(new RegExp(`(rate|increase)\\(${reference.series}\\b`));
      }
    }
  });
});

describe("the shipped dashboard", () => {
  const board = dashboard as {
    uid: string;
    templating: { list: { name: string; type: string }[] };
    panels: { id: number; type: string; title: string; datasource?: { uid: string }; targets?: { datasource?: { uid: string } }[]; gridPos: { x: number; y: number; w: number; h: number } }[];
  };

  it("has one row per concern, in order, each with panels", () => {
    const rows = board.panels.filter((p) => p.type === "row").map((p) => p.title);
    expect(rows).toEqual(["Throughput", "Latency", "Scaling per pool", "Outbox", "Dead letters", "Store cost", "Process"]);
    board.panels.forEach((panel, index) => {
      if (panel.type === "row") expect(board.panels[index + 1]?.type, `row ${panel.title}`).not.toBe("row");
    });
    expect(board.panels.at(-1)?.type).not.toBe("row");
  });

  it("queries the data source chosen on import, with unique panel ids and no overlapping panels", () => {
    // Grafana's reference to the dashboard variable `datasource`, not a template literal.
    const chosen = ["$", "{datasource}"].join("");
    expect(board.templating.list.find((v) => v.name === "datasource")?.type).toBe("datasource");
    const ids = board.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of board.panels.filter((p) => p.type !== "row")) {
      expect(panel.datasource?.uid, panel.title).toBe(chosen);
      for (const target of panel.targets ?? []) expect(target.datasource?.uid, panel.title).toBe(chosen);
    }
    const cells = new Map<string, string>();
    for (const panel of board.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let row = y; row < y + h; row++) {
        for (let column = x; column < x + w; column++) {
          const key = `${column},${row}`;
          expect(cells.get(key), `${panel.title} overlaps`).toBeUndefined();
          cells.set(key, panel.title);
        }
      }
    }
  });
});

describe("the shipped alert rules", () => {
  const alerts = (rules as { groups: { rules: { alert: string; expr: string; for?: string; labels: { severity: string }; annotations: Record<string, string> }[] }[] }).groups.flatMap((g) => g.rules);
  const readme = readFileSync(new URL("./README.md", import.meta.url), "utf8");

  it("alert on dead letters, outbox lag, a pool stuck at max, no accepts and failing factory tokens", () => {
    const byName = Object.fromEntries(alerts.map((a) => [a.alert, a]));
    expect(Object.keys(byName).sort()).toEqual([
      "FleetFactoryTokenFailingAuth",
      "FleetJobsDeadLettered",
      "FleetNoAcceptWhileWorkWaits",
      "FleetOutboxLag",
      "FleetPoolStuckAtMax",
      "FleetSubscriptionDeadLettersGrowing",
    ]);
    expect(byName.FleetJobsDeadLettered!.expr).toContain('increase(fleet_jobs_finished_total{outcome="dead_lettered"}[15m])) > 0');
    expect(byName.FleetSubscriptionDeadLettersGrowing!.expr).toContain("fleet_subscription_dead_letters");
    expect(byName.FleetOutboxLag).toMatchObject({ expr: expect.stringContaining("fleet_outbox_oldest_pending_seconds) > 60"), for: "5m" });
    expect(byName.FleetPoolStuckAtMax).toMatchObject({ expr: expect.stringMatching(/fleet_pool_actual_replicas\) >= .*fleet_pool_max_replicas\)\) and .*fleet_pool_ready_jobs\) > 0/), for: "15m" });
    expect(byName.FleetNoAcceptWhileWorkWaits!.expr).toMatch(/time\(\) - .*fleet_pool_last_accept_timestamp_seconds\) > 600\) and .*fleet_pool_awaiting_accept\) > 0/);
    expect(byName.FleetFactoryTokenFailingAuth!.expr).toContain('increase(fleet_auth_failures_total{kind="factory"}[5m])) > 5');
  });

  it("carry a severity, a summary, a description, and a runbook section in the README", () => {
    for (const alert of alerts) {
      expect(["warning", "critical"], alert.alert).toContain(alert.labels.severity);
      expect(alert.annotations.summary, alert.alert).toBeTruthy();
      expect(alert.annotations.description, alert.alert).toBeTruthy();
      expect(alert.annotations.runbook).toBe(`deploy/monitoring/README.md#${alert.alert.toLowerCase()}`);
      expect(readme, alert.alert).toMatch(new RegExp(`^### ${alert.alert}$[\\s\\S]*?First response`, "m"));
      if (alert.for !== undefined) expect(alert.for).toMatch(/^\d+[smh]$/);
    }
  });
});
