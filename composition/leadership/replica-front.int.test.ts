import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { CredentialRegistry } from "../../coordinator/auth/credentials.js";
import { mintToken } from "../../coordinator/auth/tokens.js";
import { leaseTimingOf } from "../../coordinator/leadership/leader-lease.js";
import { parseTopology } from "../../contracts/topology-file.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { freePort } from "../../stack/free-port.js";
import { buildCoordinatorProcess } from "../coordinator-process.js";
import { CoordinatorReplica } from "./coordinator-replica.js";
import { closeForwardingConnections } from "./forward-to-leader.js";
import { startReplicaFront } from "./replica-front.js";

const topology = parseTopology({ topic: "assignments", pools: [{ name: "general", capabilities: ["lang:ts"], image: "x", seats: 1, maxReplicas: 2, workload: "scaledObject", leaseSeconds: 30 }] });
const operator = mintToken("op-acme");
const credentials = { operators: [{ id: "op-acme", productId: "acme", secretSha256: operator.secretSha256 }] };

interface Running {
  replica: CoordinatorReplica;
  url: string;
  close(): Promise<void>;
}

describe("coordinator replicas behind their HTTP fronts", () => {
  const running: Running[] = [];
  afterEach(async () => {
    for (const r of running.splice(0)) await r.close();
    closeForwardingConnections();
  });

  async function startReplica(store: MemoryStore, id: string, stepDowns: string[]): Promise<Running> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const replica = new CoordinatorReplica({
      store,
      clock: { now: () => Date.now() },
      me: { id, address: url },
      timing: leaseTimingOf(600),
      logger: pino({ level: "silent" }),
      build: ({ store: gated, gate }) =>
        buildCoordinatorProcess({ store: gated, topology, credentials: new CredentialRegistry(credentials), logger: pino({ level: "silent" }), loop: { maxIdleMs: 100 }, processMetrics: false, consoleDir: false, leadership: gate }),
      onStepDown: (reason) => stepDowns.push(`${id}: ${reason}`),
    });
    const front = await startReplicaFront({ host: "127.0.0.1", port, replica });
    replica.start();
    const handle = {
      replica,
      url,
      close: async () => {
        await front.close();
        await replica.close();
      },
    };
    running.push(handle);
    return handle;
  }

  const api = (url: string, path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${operator.token}`, "content-type": "application/json", ...init.headers } });

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it("a follower forwards reads and writes to the leader; when the leader goes, the follower takes over with the next epoch and serves what the store holds", async () => {
    const store = new MemoryStore();
    const stepDowns: string[] = [];
    const a = await startReplica(store, "a", stepDowns);
    await until("a to lead", async () => (a.replica.status() === "leader" ? true : undefined));
    const b = await startReplica(store, "b", stepDowns);
    const followerReady = await until("b to follow", async () => {
      const response = await fetch(`${b.url}/readyz`);
      const body = (await response.json()) as { ready: boolean; checks: Record<string, string> };
      return body.ready ? body : undefined;
    });
    expect(followerReady.checks.leadership).toBe(`follower; forwarding to ${a.url} (replica a, epoch 1)`);

    const submitted = await api(b.url, "/fleet/jobs", { method: "POST", body: JSON.stringify({ idempotencyKey: "k1", bodyMd: "forwarded", capabilities: ["lang:ts"] }) });
    expect(submitted.status).toBe(201);
    const { job } = (await submitted.json()) as { job: { id: string; events: { data?: Record<string, unknown> }[] } };
    // Written by the leader: its epoch is on the event.
    expect(job.events[0]?.data?.leaderEpoch).toBe(1);
    expect(a.replica.process?.coordinator.activeJob(job.id)?.id).toBe(job.id);
    const read = await api(b.url, `/fleet/jobs/${job.id}`);
    expect(read.status).toBe(200);
    const queue = (await (await api(b.url, "/fleet/queue-state")).json()) as { byStage: Record<string, number> };
    expect(Object.values(queue.byStage).reduce((x, y) => x + y, 0)).toBe(1);
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toMatch(/^fleet_leadership_leader 0$/m);
    expect(metrics).toMatch(/^fleet_leadership_epoch 1$/m);

    const closedAt = Date.now();
    await a.close();
    running.splice(running.indexOf(a), 1);
    await until("b to take over", async () => (b.replica.status() === "leader" ? true : undefined));
    // Within the lease, its margin and a follower's look after the last renewal.
    expect(Date.now() - closedAt).toBeLessThan(600 + 60 + 200 + 1000);
    const again = await api(b.url, `/fleet/jobs/${job.id}`);
    expect(again.status).toBe(200);
    expect(b.replica.process?.coordinator.activeJob(job.id)?.id).toBe(job.id);
    const ready = (await (await fetch(`${b.url}/readyz`)).json()) as { ready: boolean; checks: Record<string, string> };
    expect(ready).toMatchObject({ ready: true, checks: { leadership: "leader (epoch 2)", indexes: "rebuilt" } });
    expect(stepDowns).toEqual([]);
  }, 30_000);

  it("answers 503 LEADER_UNAVAILABLE with Retry-After when no replica leads, and never forwards a forwarded request again", async () => {
    const store = new MemoryStore();
    const a = await startReplica(store, "a", []);
    await until("a to lead", async () => (a.replica.status() === "leader" ? true : undefined));
    const b = await startReplica(store, "b", []);
    await until("b to know the leader", async () => b.replica.leader());
    const looped = await api(b.url, "/fleet/queue-state", { headers: { "x-fleet-forwarded-by": "someone" } });
    expect(looped.status).toBe(503);
    const body = (await looped.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("LEADER_UNAVAILABLE");
    expect(body.error.message).toMatch(/will not forward it again/);
    expect(looped.headers.get("retry-after")).toBe("1");
  }, 30_000);
});
