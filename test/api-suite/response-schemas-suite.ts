import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  AddChildrenResponse,
  BulkReplayResponse,
  DagResponse,
  DeadLetterDetailResponse,
  DeadLetterListResponse,
  ErrorBody,
  EventsResponse,
  ExplainResponse,
  JobDocument,
  JobListResponse,
  PoolsResponse,
  RunsResponse,
  SubmitResponse,
  WhyAnswer,
} from "../../contracts/index.js";
import { type MakeStore, spec, useApiHarness } from "./suite-context.js";

/** Real responses match the schemas the OpenAPI document publishes. */
export function responseSchemasSuite(makeStore: MakeStore): void {
  describe("responses match their published schemas", () => {
    const t = useApiHarness(makeStore);
    const matches = async (schema: z.ZodType, method: "GET" | "POST", url: string, body?: unknown) => {
      const response = await t.h.call(method, url, body === undefined ? {} : { body });
      const parsed = schema.safeParse(response.json());
      expect(parsed.success, `${method} ${url} (${response.statusCode}): ${parsed.error?.message}`).toBe(true);
      return response.json();
    };

    it("on the job routes, the dead-letter routes and their errors", async () => {
      const submitted = await matches(SubmitResponse, "POST", "/fleet/jobs", spec("a", { title: "A" }));
      const id = submitted.job.id as string;
      await matches(AddChildrenResponse, "POST", "/fleet/jobs", { ...spec("p"), children: [spec("p-1")] });
      await t.h.tick();
      await matches(JobListResponse, "GET", "/fleet/jobs");
      await matches(JobListResponse, "GET", "/fleet/jobs?view=full&limit=1");
      await matches(JobDocument, "GET", `/fleet/jobs/${id}`);
      await matches(EventsResponse, "GET", `/fleet/jobs/${id}/events`);
      const after = await matches(EventsResponse, "GET", `/fleet/jobs/${id}/events?after=0`);
      expect(after.items.map((event: { seq: number }) => event.seq)).toEqual([1]);
      await matches(RunsResponse, "GET", `/fleet/jobs/${id}/runs`);
      await matches(ExplainResponse, "GET", `/fleet/jobs/${id}/explain`);
      await matches(WhyAnswer, "GET", `/fleet/jobs/${id}/why`);
      await matches(DagResponse, "GET", `/fleet/jobs/${id}/dag`);
      await matches(PoolsResponse, "GET", "/fleet/pools");
      const dead = await t.deadLetter("d");
      await matches(DeadLetterListResponse, "GET", "/fleet/dlq");
      await matches(DeadLetterDetailResponse, "GET", `/fleet/dlq/${dead.id}`);
      await matches(BulkReplayResponse, "POST", "/fleet/dlq/replay", { filter: {} });
      await matches(JobDocument, "POST", `/fleet/dlq/${dead.id}/replay`);
      await matches(ErrorBody, "GET", "/fleet/jobs/j-nosuch");
      await matches(ErrorBody, "GET", "/fleet/jobs?limit=0");
      await matches(ErrorBody, "POST", `/fleet/dlq/${dead.id}/replay`);
    });
  });
}
