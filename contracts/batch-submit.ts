import { z } from "zod";
import { ErrorBody, SubmitJobBody } from "./api.js";
import { JobRef } from "./api-responses.js";
import { LIMITS } from "./limits.js";

/** What POST /fleet/jobs/batch documents as its body. The envelope is checked as a whole (1 to
 * LIMITS.batchJobs specs); each spec is then validated on its own, so one bad spec fails only itself. */
export const BatchSubmitBody = z
  .object({
    jobs: z
      .array(SubmitJobBody)
      .min(1)
      .max(LIMITS.batchJobs)
      .meta({ description: `1 to ${LIMITS.batchJobs} job specs, each exactly what POST /fleet/jobs takes; deps may name keys of other jobs of the same batch` }),
  })
  .strict()
  .meta({
    id: "BatchSubmitBody",
    example: {
      jobs: [
        { idempotencyKey: "build-api", bodyMd: "Build the API.", capabilities: ["lang:ts"] },
        { idempotencyKey: "test-api", bodyMd: "Test the API.", capabilities: ["lang:ts"], deps: ["build-api"] },
      ],
    },
  });
export type BatchSubmitBody = z.infer<typeof BatchSubmitBody>;

export const BatchItemAccepted = z.object({
  index: z.number().int().nonnegative().meta({ description: "the position of the spec in jobs" }),
  status: z.union([z.literal(200), z.literal(201)]).meta({ description: "what POST /fleet/jobs would have answered: 201 created, 200 existing or superseded" }),
  outcome: z.enum(["created", "existing", "superseded"]),
  job: JobRef,
  children: z.array(JobRef),
});

export const BatchItemFailed = z.object({
  index: z.number().int().nonnegative().meta({ description: "the position of the spec in jobs" }),
  status: z.number().int().meta({ description: "the status POST /fleet/jobs would have answered with this error" }),
  error: ErrorBody.shape.error,
});

export const BatchSubmitResponse = z
  .object({
    results: z.array(z.union([BatchItemAccepted, BatchItemFailed])).meta({ description: "one per spec, in the order sent" }),
    created: z.number().int().nonnegative(),
    existing: z.number().int().nonnegative(),
    superseded: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
  })
  .meta({
    id: "BatchSubmitResponse",
    example: {
      results: [
        { index: 0, status: 201, outcome: "created", job: { id: "j-00112233445566778899aabbccddeeff", idempotencyKey: "build-api", stage: "queued" }, children: [] },
        {
          index: 1,
          status: 400,
          error: {
            code: "UNKNOWN_DEPENDENCY",
            message: "job 'test-api' depends on 'build-ap', which does not exist in this product (submit that job first (or in the same request), or fix the key in deps)",
            hint: "submit that job first (or in the same request), or fix the key in deps",
            details: { field: "deps", job: "test-api", dependency: "build-ap" },
          },
        },
      ],
      created: 1,
      existing: 0,
      superseded: 0,
      failed: 1,
    },
  });
export type BatchSubmitResponse = z.infer<typeof BatchSubmitResponse>;
