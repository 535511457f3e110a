import type { FastifyInstance, FastifySchemaCompiler } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import {
  BatchSubmitBody,
  BatchSubmitResponse,
  DEPS_DESCRIPTION,
  errorResponses,
  FleetError,
  LIMITS,
  SubmitJobBody,
} from "../../../contracts/index.js";
import type { BatchItem, BatchOutcome } from "../../service/batch-submission.js";
import { operatorOf, requireRole } from "../authenticate.js";
import type { ApiContext } from "../context.js";
import { errorAnswerOf } from "../error-handler.js";
import { parseInput } from "../validator-compiler.js";

/** Submitting many jobs in one request. */
export function registerJobBatchRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const operator = requireRole(ctx.credentials, "operator", ctx.limiter);

  api.post(
    "/fleet/jobs/batch",
    {
      schema: {
        tags: ["jobs"],
        summary: `Submit 1 to ${LIMITS.batchJobs} jobs in one request (each idempotent by key, as POST /fleet/jobs)`,
        description:
          `200 whenever the envelope is valid: one result per spec, in order, each what POST /fleet/jobs would have answered (its status, and the job or the error), so a bad spec fails only itself. ` +
          `deps may also name keys of other specs of the batch, which are submitted first; a cycle among them fails the specs on it (DEPENDENCY_CYCLE); a key used twice fails the later spec. ` +
          `Each spec counts as one request against the credential's rate limit. Body limit ${LIMITS.batchBodyBytes / (1024 * 1024)} MB. deps: ${DEPS_DESCRIPTION}`,
        body: BatchSubmitBody,
        response: { 200: BatchSubmitResponse, ...errorResponses(400, 401, 403, 413, 429, 503) },
      },
      bodyLimit: LIMITS.batchBodyBytes,
      // The envelope is checked here; each spec on its own in the handler (one bad spec fails only itself).
      validatorCompiler: envelopeValidator,
      preHandler: operator,
    },
    async (request) => {
      const principal = operatorOf(request);
      if (principal.productId === "*") {
        throw new FleetError("FORBIDDEN", "a fleet-wide operator key cannot submit: jobs belong to a product, so use that product's key", undefined, { hint: false });
      }
      const raw = (request.body as unknown as { jobs: unknown[] }).jobs;
      ctx.limiter?.admitUnits(principal, raw.length);
      const items: BatchItem[] = raw.map((spec) => {
        const parsed = parseInput(SubmitJobBody, spec, "body");
        return "error" in parsed ? { error: parsed.error } : { spec: parsed.value };
      });
      const outcomes = await ctx.coordinator.submitBatch(principal.productId, items);
      ctx.kick();
      return answerOf(outcomes);
    },
  );
}

const envelopeValidator: FastifySchemaCompiler<unknown> = () => (data) => {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return { error: new FleetError("VALIDATION", "invalid body: send one JSON object { jobs: [ ...job specs ] }", { fields: [{ field: "body", message: "must be an object" }] }) };
  }
  const extra = Object.keys(data).filter((key) => key !== "jobs");
  if (extra.length > 0) {
    return {
      error: new FleetError("VALIDATION", `invalid body: a batch holds only 'jobs'; unknown field${extra.length > 1 ? "s" : ""} ${extra.map((key) => `'${key}'`).join(", ")}`, {
        fields: extra.map((field) => ({ field, message: "unknown field" })),
      }),
    };
  }
  const jobs = (data as { jobs?: unknown }).jobs;
  if (!Array.isArray(jobs) || jobs.length < 1 || jobs.length > LIMITS.batchJobs) {
    const got = Array.isArray(jobs) ? `${jobs.length}` : jobs === undefined ? "nothing" : `a ${typeof jobs}`;
    return {
      error: new FleetError("VALIDATION", `invalid body: jobs must hold 1 to ${LIMITS.batchJobs} job specs; got ${got}`, {
        fields: [{ field: "jobs", message: `must hold 1 to ${LIMITS.batchJobs} job specs` }],
      }),
    };
  }
  return { value: data };
};

function answerOf(outcomes: readonly BatchOutcome[]): BatchSubmitResponse {
  const answer: BatchSubmitResponse = { results: [], created: 0, existing: 0, superseded: 0, failed: 0 };
  outcomes.forEach((outcome, index) => {
    if ("error" in outcome) {
      const { status, body } = errorAnswerOf(outcome.error as Error);
      answer.failed++;
      answer.results.push({ index, status, error: body.error });
      return;
    }
    const { job, outcome: kind, children } = outcome.result;
    answer[kind]++;
    answer.results.push({
      index,
      status: kind === "created" ? 201 : 200,
      outcome: kind,
      job: { id: job.id, idempotencyKey: job.idempotencyKey, stage: job.stage },
      children: children.map((child) => ({ id: child.id, idempotencyKey: child.idempotencyKey, stage: child.stage })),
    });
  });
  return answer;
}
