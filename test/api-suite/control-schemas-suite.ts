import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { PoolHistoryResponse } from "../../contracts/event-stream.js";
import {
  BudgetResponse,
  BurndownResponse,
  CreatedEnrollmentTokenResponse,
  CreatedOperatorKeyResponse,
  DeregisteredFactoryResponse,
  EnrolledFactoryResponse,
  EnrollmentTokenListResponse,
  ErrorBody,
  FactoryListResponse,
  HeartbeatResponse,
  OperatorKeyListResponse,
  PausesResponse,
  PoolPauseResponse,
  ProductPauseResponse,
  ProductWeightsResponse,
  RevokedCredentialResponse,
  RotatedTokenResponse,
  ScheduleListResponse,
  ScheduleResponse,
  WeightsListResponse,
} from "../../contracts/index.js";
import type { ApiHarness } from "../support/api-harness.js";
import { type MakeStore, spec, useApiHarness } from "./suite-context.js";

type CallOptions = Parameters<ApiHarness["call"]>[2];

/** Real answers of the levers' routes (budgets, pauses, weights, schedules) and of the credential
 * and factory-registry routes match the schemas the OpenAPI document publishes, errors included. */
export function controlSchemasSuite(makeStore: MakeStore): void {
  describe("levers and credentials answer as their published schemas say", () => {
    const t = useApiHarness(makeStore);
    const answers = async (schema: z.ZodType, status: number, method: "GET" | "POST" | "PUT" | "DELETE", url: string, options: CallOptions = {}) => {
      const response = await t.h.call(method, url, options);
      expect(response.statusCode, `${method} ${url}: ${response.body}`).toBe(status);
      const parsed = schema.safeParse(response.json());
      expect(parsed.success, `${method} ${url} (${response.statusCode}): ${parsed.error?.message}`).toBe(true);
      return response.json();
    };
    const fleet = { as: "fleetOperator" as const };

    it("on the budget, pause and weight routes", async () => {
      await answers(BudgetResponse, 200, "GET", "/fleet/budgets/acme");
      await answers(BudgetResponse, 200, "PUT", "/fleet/budgets/acme", { body: { ceilingUsd: 100, window: "weekly", holdBack: true } });
      const job = (await t.submit(spec("paid"))).json().job as { id: string };
      await t.h.tick();
      await t.runToShippedAssigned(job.id, 12.5);
      const budget = await answers(BudgetResponse, 200, "GET", "/fleet/budgets/acme");
      expect(budget).toMatchObject({ spentUsd: 12.5, remainingUsd: 87.5, window: "weekly" });
      const burndown = await answers(BurndownResponse, 200, "GET", "/fleet/budgets/acme/burndown");
      expect(burndown.days.at(-1)).toMatchObject({ spentUsd: 12.5, cumulativeUsd: 12.5 });
      await answers(ProductPauseResponse, 200, "POST", "/fleet/budgets/acme/pause", { body: { mode: "stop", reason: "audit" } });
      await answers(ProductPauseResponse, 200, "POST", "/fleet/budgets/acme/resume");
      await answers(ProductPauseResponse, 200, "POST", "/fleet/products/acme/pause", { body: { reason: "freeze" } });
      await answers(ProductPauseResponse, 200, "POST", "/fleet/products/acme/resume");
      // A ceiling below the spend pauses the product by itself, with the time it lifts.
      await answers(BudgetResponse, 200, "PUT", "/fleet/budgets/acme", { body: { ceilingUsd: 10 } });
      const paused = await answers(PausesResponse, 200, "GET", "/fleet/pauses");
      expect(paused.products).toEqual([expect.objectContaining({ productId: "acme", pausedBy: "ceiling", resumesAt: expect.any(Number) })]);
      await answers(PoolPauseResponse, 200, "POST", "/fleet/pools/gpu/drain", { ...fleet, body: { reason: "quota" } });
      await answers(PoolPauseResponse, 200, "POST", "/fleet/pools/general/pause", { ...fleet, body: { reason: "upgrade" } });
      const pauses = await answers(PausesResponse, 200, "GET", "/fleet/pauses", fleet);
      expect(pauses.pools.map((pool: { draining: boolean }) => pool.draining)).toEqual([false, true]);
      await answers(PoolPauseResponse, 200, "POST", "/fleet/pools/gpu/resume", fleet);
      await answers(ProductWeightsResponse, 200, "GET", "/fleet/weights/acme");
      await answers(ProductWeightsResponse, 200, "PUT", "/fleet/weights/acme", { body: { share: 3, weights: { age: 2, priority: 12 } } });
      const weights = await answers(WeightsListResponse, 200, "GET", "/fleet/weights");
      expect(weights.items).toEqual([expect.objectContaining({ productId: "acme", share: 3, sources: { share: "api", weights: { age: 2, priority: 12 } } })]);
      await answers(ErrorBody, 403, "GET", "/fleet/budgets/globex");
      await answers(ErrorBody, 403, "POST", "/fleet/pools/gpu/pause", { body: {} });
      await answers(ErrorBody, 404, "POST", "/fleet/pools/nosuch/drain", fleet);
      await answers(ErrorBody, 400, "PUT", "/fleet/weights/acme", { body: { weights: { age: -1 } } });
    });

    it("on the schedule routes", async () => {
      const job = { title: "Audit", bodyMd: "# audit\nRun the dependency audit.", capabilities: ["lang:ts"], budget: { usd: 2 } };
      const created = await answers(ScheduleResponse, 201, "PUT", "/fleet/schedules/nightly", { body: { cron: "0 2 * * *", timeZone: "Europe/Berlin", job } });
      expect(created.nextRuns).toHaveLength(5);
      await answers(ScheduleResponse, 200, "PUT", "/fleet/schedules/nightly", { body: { cron: "0 3 * * *", job, overlap: "allow" } });
      t.h.clock.advance(3 * 3_600_000);
      await t.h.tick();
      const ran = await answers(ScheduleResponse, 200, "GET", "/fleet/schedules/nightly?next=2");
      expect(ran).toMatchObject({ submitted: 1, lastJobId: expect.any(String), nextRuns: [expect.any(Number), expect.any(Number)] });
      await answers(ScheduleResponse, 200, "POST", "/fleet/schedules/nightly/pause", { body: { reason: "release freeze" } });
      await answers(ScheduleResponse, 200, "POST", "/fleet/schedules/nightly/resume");
      await answers(ScheduleListResponse, 200, "GET", "/fleet/schedules");
      const deleted = await t.h.call("DELETE", "/fleet/schedules/nightly");
      expect([deleted.statusCode, deleted.body, deleted.headers["content-type"]]).toEqual([204, "", undefined]);
      await answers(ErrorBody, 404, "GET", "/fleet/schedules/nightly");
      await answers(ErrorBody, 400, "PUT", "/fleet/schedules/bad", { body: { cron: "every day", job } });
      await answers(ErrorBody, 403, "GET", "/fleet/schedules/nightly", fleet);
    });

    it("on the enrollment, factory and operator routes", async () => {
      const enrollment = await answers(CreatedEnrollmentTokenResponse, 201, "POST", "/fleet/enrollment-tokens", { body: { pool: "general", maxUses: 2, label: "ci runners" } });
      await answers(EnrollmentTokenListResponse, 200, "GET", "/fleet/enrollment-tokens");
      const enrolled = await answers(EnrolledFactoryResponse, 201, "POST", "/fleet/factories/enroll", { token: enrollment.token, body: { factoryId: "runner-1" } });
      await answers(ErrorBody, 409, "POST", "/fleet/factories/enroll", { token: enrollment.token, body: { factoryId: "runner-1" } });
      await answers(HeartbeatResponse, 200, "POST", "/fleet/factories/heartbeat", { token: enrolled.token, body: { seats: 2, load: 0, health: "ok", version: "0.1.0" } });
      await answers(HeartbeatResponse, 200, "POST", "/fleet/factories/heartbeat", { as: "general", factoryId: "general-1", body: { seats: 1, load: 0, health: "degraded" } });
      const factories = await answers(FactoryListResponse, 200, "GET", "/fleet/factories");
      expect(factories.items.map((f: { credential: string }) => f.credential).sort()).toEqual(["enrolled", "pool-token"]);
      await answers(FactoryListResponse, 200, "GET", "/fleet/factories?status=live&limit=1");
      const rotated = await answers(RotatedTokenResponse, 200, "POST", "/fleet/factories/runner-1/token/rotate", { token: enrolled.token, body: { graceSeconds: 0 } });
      await answers(DeregisteredFactoryResponse, 200, "POST", "/fleet/factories/runner-1/deregister", { token: rotated.token });
      await answers(ErrorBody, 401, "POST", "/fleet/factories/heartbeat", { token: rotated.token, body: { seats: 1, load: 0, health: "ok" } });
      await answers(ErrorBody, 404, "POST", "/fleet/factories/runner-1/token/revoke");
      await answers(RevokedCredentialResponse, 200, "POST", `/fleet/enrollment-tokens/${enrollment.id}/revoke`);
      await answers(ErrorBody, 401, "POST", "/fleet/factories/enroll", { token: enrollment.token });

      const key = await answers(CreatedOperatorKeyResponse, 201, "POST", "/fleet/operators", { body: { id: "op-bench", role: "load-tester", label: "bench" } });
      await answers(ErrorBody, 409, "POST", "/fleet/operators", { body: { id: "op-bench" } });
      const keys = await answers(OperatorKeyListResponse, 200, "GET", "/fleet/operators");
      expect(keys.items.map((k: { source: string }) => k.source).sort()).toEqual(["file", "store"]);
      await answers(RotatedTokenResponse, 200, "POST", `/fleet/operators/${key.id}/token/rotate`);
      await answers(RevokedCredentialResponse, 200, "POST", `/fleet/operators/${key.id}/token/revoke`);
      await answers(ErrorBody, 404, "POST", `/fleet/operators/${key.id}/token/revoke`);
      await answers(ErrorBody, 403, "POST", "/fleet/operators/op-acme/token/revoke");
    });

    it("on the pool history", async () => {
      await t.h.app.streams!.poolHistory.sample();
      const history = await answers(PoolHistoryResponse, 200, "GET", "/fleet/pools/history");
      expect(history.pools.map((pool: { pool: string }) => pool.pool)).toEqual(["general", "gpu"]);
      await answers(PoolHistoryResponse, 200, "GET", "/fleet/pools/history?pool=gpu");
      await answers(ErrorBody, 404, "GET", "/fleet/pools/history?pool=nosuch");
    });
  });
}
