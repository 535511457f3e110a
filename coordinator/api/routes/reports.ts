import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { errorResponse, errorResponses, FleetError, ReportListResponse, ReportResponse, type ReportSummary } from "../../../contracts/index.js";
import { requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";

const ReportParams = z.object({ name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.json$/, "a report file name such as chaos-live-all.json") }).strict();

/**
 * The chaos and load reports (`*.json`) of one folder, for the console's reports page. Every
 * process has the routes (so every process serves the same API); only a process given a folder
 * (REPORTS_DIR; the local stack passes `reports/`, where `npm run chaos` writes) lists anything.
 */
export function registerReportRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const folder = (): string => {
    if (ctx.reportsDir === undefined) throw new FleetError("NOT_FOUND", "this coordinator serves no reports folder: start it with REPORTS_DIR set (npm start does)");
    return ctx.reportsDir;
  };
  const api = app.withTypeProvider<ZodTypeProvider>();
  const operator = requireRole(ctx.credentials, "operator", ctx.limiter);
  const noFolder = "NOT_FOUND: this coordinator serves no reports folder (REPORTS_DIR)";

  api.get(
    "/fleet/reports",
    {
      schema: {
        tags: ["reports"],
        summary: "Chaos and load reports written on this machine, newest first (local stack only)",
        response: { 200: ReportListResponse, ...errorResponses(401, 403, 429, 503), ...errorResponse(404, noFolder) },
      },
      preHandler: operator,
    },
    async () => {
      const dir = folder();
      return { folder: dir, items: listReports(dir) };
    },
  );

  api.get(
    "/fleet/reports/:name",
    {
      schema: {
        tags: ["reports"],
        summary: "One report as written",
        params: ReportParams,
        response: { 200: ReportResponse, ...errorResponses(400, 401, 403, 429, 503), ...errorResponse(404, `${noFolder}, or no report of that name in it`) },
      },
      preHandler: operator,
    },
    async (request, reply) => {
      // Only names the folder lists are read: nothing from the URL is joined onto a path unchecked.
      const dir = folder();
      const entry = listReports(dir).find((item) => item.name === request.params.name);
      if (entry === undefined) throw new FleetError("NOT_FOUND", `no report '${request.params.name}' in ${dir}; run npm run chaos -- <scenario> to write one`);
      // The file's own bytes, not a re-serialised object: the report is sent exactly as written.
      const bytes: Buffer = readFileSync(join(dir, entry.name));
      return reply.type("application/json; charset=utf-8").send(bytes as unknown as ReportResponse);
    },
  );
}

function listReports(dir: string): ReportSummary[] {
  if (!existsSync(dir)) return [];
  const entries: ReportSummary[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".json")) continue;
    const path = join(dir, name);
    const stat = statSync(path);
    if (!stat.isFile()) continue;
    const entry: ReportSummary = { name, modifiedAt: stat.mtime.toISOString(), bytes: stat.size };
    try {
      const parsed = JSON.parse(readFileSync(path, "utf8")) as { mode?: unknown; results?: { ok?: unknown }[] };
      if (typeof parsed.mode === "string") entry.mode = parsed.mode;
      if (Array.isArray(parsed.results)) {
        entry.scenarios = parsed.results.length;
        entry.ok = parsed.results.every((result) => result.ok === true);
      }
    } catch {
      // Not a report this page can summarise; it is still listed.
    }
    entries.push(entry);
  }
  return entries.sort((a, b) => (a.modifiedAt < b.modifiedAt ? 1 : -1));
}
