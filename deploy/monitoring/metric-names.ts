import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { metricOfSeries } from "./fleet-metrics.js";
import { type SeriesReference, seriesReferences } from "./promql-references.js";

export const DASHBOARD_FILE = fileURLToPath(new URL("./fleet-dashboard.json", import.meta.url));
export const ALERT_RULES_FILE = fileURLToPath(new URL("./fleet-alerts.yaml", import.meta.url));

/** One PromQL expression and where it sits, e.g. `panel "Replicas" (A)` or `alert FleetOutboxLag`. */
export interface MonitoringExpression {
  where: string;
  expr: string;
}

export interface MetricReference extends SeriesReference {
  /** The metric the series belongs to (histogram suffixes stripped). */
  metric: string;
  where: string;
}

/** Every PromQL expression of a Grafana dashboard (panel targets, rows' nested panels, query
 * variables, annotations) and of a Prometheus rules file (alerts and recording rules). */
export function monitoringExpressions(dashboard: unknown, rules: unknown): MonitoringExpression[] {
  const found: MonitoringExpression[] = [];
  const board = dashboard as GrafanaDashboard;
  const visit = (panels: readonly GrafanaPanel[] | undefined) => {
    for (const panel of panels ?? []) {
      for (const target of panel.targets ?? []) {
        if (typeof target.expr === "string") found.push({ where: `panel "${panel.title ?? panel.id}" (${target.refId ?? "?"})`, expr: target.expr });
      }
      visit(panel.panels);
    }
  };
  visit(board.panels);
  for (const variable of board.templating?.list ?? []) {
    if (variable.type !== "query") continue;
    const query = typeof variable.query === "string" ? variable.query : variable.query?.query;
    if (typeof query === "string") found.push({ where: `variable $${variable.name}`, expr: variableExpression(query) });
  }
  for (const annotation of board.annotations?.list ?? []) {
    if (typeof annotation.expr === "string" && annotation.expr !== "") found.push({ where: `annotation "${annotation.name}"`, expr: annotation.expr });
  }
  for (const group of (rules as PrometheusRules).groups ?? []) {
    for (const rule of group.rules ?? []) {
      found.push({ where: rule.alert !== undefined ? `alert ${rule.alert}` : `record ${rule.record}`, expr: String(rule.expr) });
    }
  }
  return found;
}

/** Every series selected by the dashboard and the rules, with its metric and where it is used. */
export function metricReferences(dashboard: unknown, rules: unknown): MetricReference[] {
  return monitoringExpressions(dashboard, rules).flatMap(({ where, expr }) => {
    let references: SeriesReference[];
    try {
      references = seriesReferences(expr);
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`);
    }
    return references.map((reference) => ({ ...reference, metric: metricOfSeries(reference.series), where }));
  });
}

/** The metric names the dashboard and the rules reference, sorted, histogram suffixes
 * (`_bucket`, `_sum`, `_count`) stripped. */
export function extractMetricNames(dashboard: unknown, rules: unknown): string[] {
  return [...new Set(metricReferences(dashboard, rules).map((r) => r.metric))].sort();
}

/** The shipped dashboard and rules, parsed. */
export function loadShippedMonitoring(): { dashboard: unknown; rules: unknown } {
  return { dashboard: JSON.parse(readFileSync(DASHBOARD_FILE, "utf8")), rules: parse(readFileSync(ALERT_RULES_FILE, "utf8")) };
}

/** Grafana's Prometheus variable queries: `label_values(<selector>, <label>)` selects series,
 * `label_values(<label>)` none, `query_result(<expr>)` an expression; anything else is PromQL. */
function variableExpression(query: string): string {
  const labelValues = /^\s*label_values\(\s*(.*?)\s*\)\s*$/s.exec(query);
  if (labelValues !== null) {
    const args = labelValues[1]!;
    const comma = args.lastIndexOf(",");
    return comma === -1 ? "" : args.slice(0, comma);
  }
  const queryResult = /^\s*query_result\(\s*(.*)\s*\)\s*$/s.exec(query);
  return queryResult === null ? query : queryResult[1]!;
}

interface GrafanaPanel {
  id?: number;
  title?: string;
  targets?: { expr?: unknown; refId?: string }[];
  panels?: GrafanaPanel[];
}

interface GrafanaDashboard {
  panels?: GrafanaPanel[];
  templating?: { list?: { name?: string; type?: string; query?: string | { query?: string } }[] };
  annotations?: { list?: { name?: string; expr?: unknown }[] };
}

interface PrometheusRules {
  groups?: { name?: string; rules?: { alert?: string; record?: string; expr?: unknown }[] }[];
}
