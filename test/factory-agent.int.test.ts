import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { type JobDoc, type Stage, type SubmitJobBody, assignmentMessageId } from "../contracts/index.js";
import { type AgentHarness, startAgentHarness } from "./support/agent-harness.js";
import { waitFor } from "./support/dispatch-harness.js";

const body = (key: string, extra: Partial<SubmitJobBody> = {}): SubmitJobBody => ({
  idempotencyKey: key,
  bodyMd: `# ${key}`,
  persona: "engineer",
  capabilities: ["lang:ts"],
  priority: "medium",
  deps: [],
  depsMode: "hard",
  kind: "leaf",
  ...extra,
});

describe("factory agent processes on the local stack", () => {
  let h: AgentHarness;
  afterEach(async () => h?.close());

  const submit = async (key: string, extra: Partial<SubmitJobBody> = {}): Promise<JobDoc> => {
    const { job } = await h.app.coordinator.submit("acme", body(key, extra));
    h.app.loop.kick();
    return job;
  };
  const job = (id: string) => h.app.coordinator.getJob(undefined, id);
  const waitStage = (id: string, stages: Stage[], ms = 30_000) => waitFor(async () => stages.includes((await job(id)).stage), ms, `job ${id} to reach ${stages.join("/")}`);

  it("runs a job through to shipped, and a one-shot agent exits after it", async () => {
    h = await startAgentHarness();
    const submitted = await submit("ship-me");
    const agent = h.startAgent({ MODE: "one-shot" });
    await waitStage(submitted.id, ["shipped"]);
    expect(await agent.exited).toBe(0);
    const done = await job(submitted.id);
    expect(done.runs).toHaveLength(1);
    expect(done.runs[0]).toMatchObject({ result: "shipped", insights: expect.objectContaining({ model: "sim" }) });
    const reports = done.events.filter((e) => e.actor === "factory").map((e) => e.type);
    expect(reports).toEqual(["accepted", "stage", "stage", "shipped"]);
    expect(agent.output()).toContain(`"jobId":"${submitted.id}"`);
  }, 60_000);

  it("drops a stale-epoch message without reporting anything for it", async () => {
    h = await startAgentHarness();
    const submitted = await submit("stale");
    await waitStage(submitted.id, ["assigned"]);
    await h.app.coordinator.action("acme", submitted.id, "requeue", "test");
    h.app.loop.kick();
    await waitFor(async () => (await job(submitted.id)).leaseEpoch === 3, 10_000, "reassignment");
    // A stray message for epoch 2 (never assigned) arrives after the real one.
    await h.broker.publish(h.topology.topic, [
      {
        messageId: assignmentMessageId(submitted.id, 2),
        body: { kind: "assignment", version: 1, jobId: submitted.id, productId: "acme", epoch: 2, pool: "general", priority: "medium", capabilities: ["lang:ts"], acceptBy: Date.now() + 60_000, attempt: 1 },
        applicationProperties: { pool: "general" },
      },
    ]);
    const agent = h.startAgent();
    await waitStage(submitted.id, ["shipped"]);
    await waitFor(() => agent.output().includes("assignment refused"), 10_000, "the stale message to be refused");
    const done = await job(submitted.id);
    expect(done.runs.map((r) => r.epoch)).toEqual([3]);
    expect(done.events.filter((e) => e.actor === "factory").map((e) => e.type)).toEqual(["accepted", "stage", "stage", "shipped"]);
    agent.child.kill("SIGTERM");
    expect(await agent.exited).toBe(0);
  }, 60_000);

  it("on SIGTERM mid-job hands the job back with its checkpoint, and another agent finishes it once", async () => {
    h = await startAgentHarness();
    const submitted = await submit("drain");
    const slow = h.startAgent({ SIM_DURATION_MS: "20000" });
    await waitStage(submitted.id, ["building", "review", "testing"]);
    slow.child.kill("SIGTERM");
    expect(await slow.exited, slow.output().slice(-3000)).toBe(0);
    const handedBack = await job(submitted.id);
    expect(["queued", "assigned"]).toContain(handedBack.stage);
    expect(handedBack.checkpoint?.ref).toBe(`wip/${submitted.id}`);
    expect(handedBack.runs[0]?.result).toBe("drained");
    expect(handedBack.retries).toBe(0);
    const fast = h.startAgent({ MODE: "one-shot" });
    await waitStage(submitted.id, ["shipped"]);
    expect(await fast.exited).toBe(0);
    const done = await job(submitted.id);
    expect(done.runs.map((r) => r.result)).toEqual(["drained", "shipped"]);
    expect(done.checkpoint?.ref).toBe(`wip/${submitted.id}`);
  }, 60_000);

  it("after kill -9 mid-job the reaper requeues it and it ships once", async () => {
    h = await startAgentHarness();
    const submitted = await submit("killed", { retry: { max: 3, backoffSeconds: 1, backoffMaxSeconds: 1 } });
    const doomed = h.startAgent({ SIM_DURATION_MS: "30000" });
    await waitStage(submitted.id, ["building", "review", "testing"]);
    doomed.child.kill("SIGKILL");
    await doomed.exited;
    await waitFor(async () => (await job(submitted.id)).runs[0]?.result === "expired", 20_000, "the reaper to expire the lease");
    const rescuer = h.startAgent({ MODE: "one-shot" });
    await waitStage(submitted.id, ["shipped"]);
    expect(await rescuer.exited).toBe(0);
    const done = await job(submitted.id);
    expect(done.runs.map((r) => r.result)).toEqual(["expired", "shipped"]);
    expect(done.leaseEpoch).toBe(3);
  }, 60_000);

  it("dead-letters an invalid message with a reason and keeps serving", async () => {
    h = await startAgentHarness();
    await h.broker.publish(h.topology.topic, [{ messageId: "garbage-1", body: { kind: "nonsense" }, applicationProperties: { pool: "general" } }]);
    const agent = h.startAgent();
    await waitFor(() => agent.output().includes("invalid assignment message"), 20_000, "the invalid message to be dead-lettered");
    await waitFor(() => h.dispatcher.monitor.stats().byReason.InvalidAssignment === 1, 10_000, "the monitor to see the dead letter");
    const submitted = await submit("after-garbage");
    await waitStage(submitted.id, ["shipped"]);
    agent.child.kill("SIGTERM");
    expect(await agent.exited).toBe(0);
  }, 60_000);

  it("kills a runaway engine at the wall-clock budget and follows the retry policy", async () => {
    h = await startAgentHarness();
    const submitted = await submit("runaway", { budget: { wallSeconds: 1 }, retry: { max: 0, backoffSeconds: 1, backoffMaxSeconds: 1 } });
    const agent = h.startAgent({ SIM_DURATION_MS: "20000" });
    await waitStage(submitted.id, ["dead_letter"]);
    const dead = await job(submitted.id);
    expect(dead.deadLetter?.reason).toBe("RetriesExhausted");
    expect(dead.runs[0]?.message).toContain("wall-clock budget");
    agent.child.kill("SIGTERM");
    expect(await agent.exited).toBe(0);
  }, 60_000);

  it("ships once when the coordinator is down for 5 seconds mid-job", async () => {
    h = await startAgentHarness({ leaseSeconds: 30 });
    const submitted = await submit("outage");
    const agent = h.startAgent({ SIM_DURATION_MS: "4000", MODE: "one-shot" });
    await waitStage(submitted.id, ["building", "review", "testing"]);
    await h.restartCoordinator(5000);
    await waitStage(submitted.id, ["shipped"], 40_000);
    expect(await agent.exited).toBe(0);
    const done = await job(submitted.id);
    expect(done.runs.map((r) => r.result)).toEqual(["shipped"]);
    expect(done.events.filter((e) => e.type === "shipped")).toHaveLength(1);
    expect(agent.output()).toContain("coordinator call failed; retrying");
  }, 90_000);

  it("exits an idle serve agent after its idle timeout", async () => {
    h = await startAgentHarness();
    const agent = h.startAgent({ IDLE_TIMEOUT_SECONDS: "2" });
    expect(await agent.exited).toBe(0);
    expect(agent.output()).toContain('"exit":"idle"');
  }, 30_000);

  it("refuses bad configuration with a message naming the variable", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(new URL("../factory-agent/main.ts", import.meta.url))], {
      env: { PATH: process.env.PATH ?? "", COORDINATOR_URL: "not a url", FACTORY_TOKEN: "x".repeat(30), SEATS: "0" },
      encoding: "utf8",
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("COORDINATOR_URL");
    expect(result.stderr).toContain("POOL");
    expect(result.stderr).toContain("SEATS");
    expect(result.stderr).toContain("SERVICEBUS_CONNECTION_STRING");
  }, 30_000);
});
