import { z } from "zod";
import { IsoTime } from "./iso-time.js";

/** What the reports routes answer: the chaos and load reports (`*.json`) of the coordinator's
 * reports folder (REPORTS_DIR; the local stack's `reports/`). */

export const ReportSummary = z.strictObject({
  name: z.string().meta({ description: "the file name; GET /fleet/reports/{name} sends the file" }),
  modifiedAt: IsoTime,
  bytes: z.number().int().nonnegative(),
  mode: z.string().optional().meta({ description: "`live` for the live chaos suite; absent when the file does not say" }),
  scenarios: z.number().int().nonnegative().optional(),
  ok: z.boolean().optional().meta({ description: "every scenario of the report passed" }),
});
export type ReportSummary = z.infer<typeof ReportSummary>;

export const ReportListResponse = z
  .strictObject({ folder: z.string().meta({ description: "the folder on the coordinator's machine" }), items: z.array(ReportSummary).meta({ description: "newest first" }) })
  .meta({
    id: "ReportList",
    example: {
      folder: "/home/dev/fleet/reports",
      items: [{ name: "chaos-live-all.json", modifiedAt: "2026-01-31T09:30:00.000Z", bytes: 48213, mode: "live", scenarios: 6, ok: true }],
    },
  });

export const ReportResponse = z
  .looseObject({ mode: z.string().optional(), results: z.array(z.unknown()).optional() })
  .meta({
    id: "Report",
    description: "The report file as `npm run chaos` or the load tools wrote it",
    example: {
      mode: "live",
      jobsPerScenario: 200,
      wallSeconds: 412.5,
      results: [{ name: "broker-outage", description: "Service Bus refuses connections for 20 s", ok: true, violations: [], seconds: 61.2 }],
    },
  });
export type ReportResponse = z.infer<typeof ReportResponse>;
