import { describe, expect, it } from "vitest";
import { checkAgainstCoordinator } from "./coordinator-check.js";
import type { HeartbeatAnswer } from "./coordinator-answers.js";
import type { CallResult } from "./coordinator-port.js";

const check = (pool: string, answer: CallResult<HeartbeatAnswer>) =>
  checkAgainstCoordinator({ pool, coordinatorUrl: "http://127.0.0.1:8080", heartbeat: async () => answer });

describe("the agent's start-up check against the coordinator", () => {
  it("passes when the token's pool is POOL", async () => {
    expect(await check("general", { ok: true, value: { ok: true, at: 1, pool: "general", poolInTopology: true } })).toEqual({ kind: "ok" });
  });

  it("refuses a POOL that is not the token's pool, naming POOL and the pool to use", async () => {
    const result = await check("nosuch", { ok: true, value: { ok: true, at: 1, pool: "general", poolInTopology: true } });
    expect(result).toEqual({ kind: "bad-configuration", message: expect.stringMatching(/^POOL=nosuch is not the pool of FACTORY_TOKEN, which belongs to pool 'general'; set POOL=general/) });
  });

  it("refuses a pool the coordinator's topology does not define", async () => {
    const result = await check("retired", { ok: true, value: { ok: true, at: 1, pool: "retired", poolInTopology: false } });
    expect(result).toEqual({ kind: "bad-configuration", message: expect.stringMatching(/^POOL=retired is not a pool of the coordinator's topology/) });
  });

  it("names FACTORY_TOKEN when the coordinator refuses the token or it is an operator key", async () => {
    const unknown = await check("general", { ok: false, status: 401, code: "UNAUTHENTICATED", message: "unknown token" });
    expect(unknown).toEqual({ kind: "bad-configuration", message: expect.stringMatching(/^FACTORY_TOKEN was refused .*COORDINATOR_URL=http:\/\/127\.0\.0\.1:8080/) });
    const operator = await check("general", { ok: false, status: 403, code: "FORBIDDEN", message: "this call is for factorys" });
    expect(operator).toEqual({ kind: "bad-configuration", message: expect.stringMatching(/^FACTORY_TOKEN is not a pool token/) });
  });

  it("names COORDINATOR_URL when it points somewhere that has no heartbeat route", async () => {
    const result = await check("general", { ok: false, status: 404, code: "404", message: "Not Found" });
    expect(result).toEqual({ kind: "bad-configuration", message: expect.stringMatching(/^COORDINATOR_URL=.* answered 404/) });
  });

  it("leaves the pool unverified, not refused, when the coordinator is unreachable or does not name the pool", async () => {
    expect(await check("general", { ok: false, status: 0, code: "UNREACHABLE", message: "coordinator unreachable: ECONNREFUSED" })).toMatchObject({ kind: "unverified" });
    expect(await check("general", { ok: false, status: 503, code: "STORE_UNAVAILABLE", message: "store down" })).toMatchObject({ kind: "unverified" });
    expect(await check("general", { ok: true, value: { ok: true, at: 1 } })).toMatchObject({ kind: "unverified" });
  });
});
