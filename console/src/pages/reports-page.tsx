import { EmptyState, ErrorBox, Loading } from "../components/feedback.js";
import { useApi } from "../data/use-api.js";
import { formatCount } from "../format/numbers.js";
import { Time } from "../format/time.js";
import type { ChaosReport } from "../reports/chaos-report-types.js";
import { ChaosReportView } from "../reports/chaos-report-view.js";
import { link } from "../router.js";

interface ReportEntry {
  name: string;
  modifiedAt: string;
  bytes: number;
  mode?: string;
  scenarios?: number;
  ok?: boolean;
}

/** The chaos and load reports written on this machine (the local stack lists reports/). */
export function ReportsPage({ name }: { name?: string }) {
  const list = useApi<{ folder: string; items: ReportEntry[] }>(name === undefined ? "/fleet/reports" : null);
  if (name !== undefined) return <OneReport name={name} />;
  if (list.error?.routeMissing === true) {
    return (
      <section>
        <h1>Chaos and load reports</h1>
        <EmptyState title="No reports on this coordinator">
          Reports are listed when the stack runs on this machine (npm start), from its reports/ folder. Run npm run chaos -- broker-outage to write one.
        </EmptyState>
      </section>
    );
  }
  return (
    <section>
      <h1>Chaos and load reports</h1>
      {list.error === undefined ? null : <ErrorBox error={list.error} />}
      {list.data === undefined && list.error === undefined ? <Loading what="reports" /> : null}
      {list.data !== undefined && list.data.items.length === 0 ? (
        <EmptyState title="No reports yet">
          Nothing in {list.data.folder}. Run npm run chaos -- broker-outage (or all) to write a live chaos report; it appears here.
        </EmptyState>
      ) : null}
      {list.data !== undefined && list.data.items.length > 0 ? (
        <table class="table">
          <thead>
            <tr>
              <th>report</th>
              <th>result</th>
              <th class="num">scenarios</th>
              <th>written</th>
              <th class="num">size</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((item) => (
              <tr key={item.name}>
                <td>
                  <a {...link(`/reports/${encodeURIComponent(item.name)}`)}>{item.name}</a>
                </td>
                <td>{item.ok === undefined ? <span class="muted">not a chaos report</span> : <span class={item.ok ? "pass" : "fail"}>{item.ok ? "PASS" : "FAIL"}</span>}</td>
                <td class="num">{formatCount(item.scenarios)}</td>
                <td>
                  <Time value={item.modifiedAt} />
                </td>
                <td class="num">{formatCount(Math.round(item.bytes / 1024))} KiB</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function OneReport({ name }: { name: string }) {
  const report = useApi<ChaosReport>(`/fleet/reports/${encodeURIComponent(name)}`);
  return (
    <section>
      <p class="crumbs">
        <a {...link("/reports")}>Reports</a> / {name}
      </p>
      {report.error === undefined ? null : <ErrorBox error={report.error} />}
      {report.data === undefined && report.error === undefined ? <Loading what={name} /> : null}
      {report.data === undefined ? null : Array.isArray(report.data.results) ? (
        <ChaosReportView report={report.data} title={name} />
      ) : (
        <EmptyState title="Not a chaos report">This file has no scenario results to chart.</EmptyState>
      )}
    </section>
  );
}
