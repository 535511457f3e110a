import { render } from "preact";
import "../styles.css";
import type { ChaosReport } from "./chaos-report-types.js";
import { ChaosReportView } from "./chaos-report-view.js";

/** The self-contained chaos HTML report: the report's JSON is embedded in the page, this script
 * (inlined beside it) renders it with the console's own view and charts. */
const data = document.getElementById("chaos-data");
const host = document.getElementById("report");
if (data !== null && host !== null) {
  const report = JSON.parse(data.textContent ?? "{}") as ChaosReport;
  // What the page shows without its script (title, verdict) is replaced by the full view.
  host.textContent = "";
  render(<ChaosReportView report={report} title={document.title} />, host);
}
