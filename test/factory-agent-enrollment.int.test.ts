import { afterEach, describe, expect, it } from "vitest";
import type { JobDoc, Stage } from "../contracts/index.js";
import { type AgentHarness, startAgentHarness } from "./support/agent-harness.js";
import { waitFor } from "./support/dispatch-harness.js";

const body = (key: string) => ({ idempotencyKey: key, bodyMd: `# ${key}`, capabilities: ["lang:ts"] });

describe("factory agents enroll, leave the fleet cleanly, and honour a pool drain", () => {
  let h: AgentHarness;
  afterEach(async () => h?.close());

  const api = async (method: "GET" | "POST", path: string, token: string, payload?: unknown) => {
    const response = await fetch(`${h.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(payload === undefined ? {} : { "content-type": "application/json" }) },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    });
    return { status: response.status, body: (await response.json().catch(() => undefined)) as Record<string, unknown> };
  };
  const submit = async (key: string): Promise<JobDoc> => {
    const { job } = await h.app.coordinator.submit("acme", { ...body(key), persona: "engineer", priority: "medium", deps: [], depsMode: "hard", kind: "leaf" });
    h.app.loop.kick();
    return job;
  };
  const stageOf = async (id: string) => (await h.app.coordinator.getJob(undefined, id)).stage;
  const waitStage = (id: string, stage: Stage) => waitFor(async () => (await stageOf(id)) === stage, 30_000, `job ${id} to reach ${stage}`);

  it("exchanges ENROLLMENT_TOKEN for its own token, runs the job, deregisters and revokes that token at exit", async () => {
    h = await startAgentHarness();
    const created = await api("POST", "/fleet/enrollment-tokens", h.operatorToken, { pool: "general", expiresInSeconds: 600, maxUses: 5 });
    expect(created.status).toBe(201);
    const job = await submit("enrolled-job");
    const agent = h.startAgent({ FACTORY_TOKEN: "", ENROLLMENT_TOKEN: String(created.body.token), FACTORY_ID: "pod-general-1", MODE: "one-shot" });
    await waitStage(job.id, "shipped");
    expect(await agent.exited).toBe(0);
    expect(agent.output()).toContain('"msg":"enrolled"');
    expect(agent.output()).toContain('"msg":"deregistered"');
    const done = await h.app.coordinator.getJob(undefined, job.id);
    expect(done.runs[0]?.factoryId).toBe("pod-general-1");
    // The registry no longer lists it, and its own token is dead.
    const factories = await api("GET", "/fleet/factories", h.operatorToken);
    expect((factories.body.items as { id: string }[]).map((f) => f.id)).not.toContain("pod-general-1");
    const tokens = await api("GET", "/fleet/enrollment-tokens", h.operatorToken);
    expect((tokens.body.items as { uses: number }[])[0]!.uses).toBe(1);
  });

  it("exits 2 naming ENROLLMENT_TOKEN when the coordinator refuses it", async () => {
    h = await startAgentHarness();
    const agent = h.startAgent({ FACTORY_TOKEN: "", ENROLLMENT_TOKEN: "enroll-nosuch.AAAAAAAAAAAAAAAAAAAAAAAA" });
    expect(await agent.exited).toBe(2);
    expect(agent.output()).toContain("ENROLLMENT_TOKEN");
  });

  it("exits 2 when both FACTORY_TOKEN and ENROLLMENT_TOKEN are set, or neither", async () => {
    h = await startAgentHarness();
    const both = h.startAgent({ ENROLLMENT_TOKEN: "enroll-x.AAAAAAAAAAAAAAAAAAAAAAAA" });
    expect(await both.exited).toBe(2);
    expect(both.output()).toContain("not both");
    const neither = h.startAgent({ FACTORY_TOKEN: "" });
    expect(await neither.exited).toBe(2);
    expect(neither.output()).toContain("ENROLLMENT_TOKEN");
  });

  it("finishes the job it holds and exits when its pool is drained, taking no new work", async () => {
    h = await startAgentHarness();
    const first = await submit("before-drain");
    const agent = h.startAgent({ SIM_DURATION_MS: "4000", HEARTBEAT_SECONDS: "1", IDLE_TIMEOUT_SECONDS: "600" });
    await waitStage(first.id, "building");
    const drained = await api("POST", "/fleet/pools/general/drain", h.fleetOperatorToken, { reason: "node pool upgrade" });
    expect(drained.status).toBe(200);
    const second = await submit("after-drain");
    expect(await agent.exited).toBe(0);
    expect(await stageOf(first.id)).toBe("shipped");
    // Finished, not handed back: one run, shipped; the job submitted after the drain never started.
    expect((await h.app.coordinator.getJob(undefined, first.id)).runs.map((r) => r.result)).toEqual(["shipped"]);
    expect(await stageOf(second.id)).toBe("queued");
    expect(agent.output()).toContain("the pool is draining");
  });
});
