import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FactoryPrincipal } from "../../coordinator/auth/principal.js";
import { Coordinator } from "../../coordinator/service/coordinator.js";
import { MemoryStore } from "../../store/memory/memory-store.js";
import { ManualClock } from "../../test/support/manual-clock.js";
import { testTopology } from "../../test/support/topology-fixture.js";
import { coordinatorDemandSource } from "../../composition/demand-source.js";
import { type ExternalScalerServer, startExternalScaler } from "./external-scaler-server.js";
import { loadExternalScalerPackage } from "./load-proto.js";

type Client = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

describe("external push scaler over gRPC", () => {
  let coordinator: Coordinator;
  let server: ExternalScalerServer;
  let client: Client;
  const ref = { name: "factory-general", namespace: "fleet", scalerMetadata: { pool: "general" } };

  beforeAll(async () => {
    const store = new MemoryStore();
    await store.init();
    coordinator = new Coordinator({ store, clock: new ManualClock(), topology: testTopology({ generalMax: 10 }) });
    await coordinator.start();
    server = await startExternalScaler({ source: coordinatorDemandSource(coordinator), pushIntervalMs: 20 });
    const Ctor = loadExternalScalerPackage().ExternalScaler as grpc.ServiceClientConstructor;
    client = new Ctor(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure()) as unknown as Client;
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  const unary = <T>(method: string, request: unknown): Promise<T> =>
    new Promise((resolve, reject) => {
      (client[method] as (req: unknown, cb: (e: grpc.ServiceError | null, r: T) => void) => void).call(client, request, (error, response) =>
        error === null ? resolve(response) : reject(error),
      );
    });

  it("reports inactive with no work, then exactly the leases in flight while jobs run", async () => {
    expect(await unary<{ result: boolean }>("IsActive", ref)).toEqual({ result: false });
    const spec = await unary<{ metricSpecs: { metricName: string; targetSizeFloat: number }[] }>("GetMetricSpec", ref);
    expect(spec.metricSpecs[0]).toMatchObject({ metricName: "fleet-demand-general", targetSizeFloat: 1 });

    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await coordinator.submit("acme", { bodyMd: `job ${i}`, capabilities: ["lang:ts"], persona: "engineer", priority: "medium", deps: [], depsMode: "hard", kind: "leaf" })).job.id);
    }
    await coordinator.tick();
    const metric = async () =>
      (await unary<{ metricValues: { metricValueFloat: number }[] }>("GetMetrics", { scaledObjectRef: ref, metricName: "fleet-demand-general" })).metricValues[0]!
        .metricValueFloat;
    expect(await metric()).toBe(5);
    expect(await unary<{ result: boolean }>("IsActive", ref)).toEqual({ result: true });

    // Three factories accept and run: the metric stays 5 (2 awaiting + 3 running), never 8.
    for (const [n, id] of ids.slice(0, 3).entries()) {
      const factory: FactoryPrincipal = { kind: "factory", credentialId: "t", productId: "*", pool: "general", factoryId: `f${n}` };
      await coordinator.accept(factory, id, coordinator.activeJob(id)!.leaseEpoch);
    }
    expect(await metric()).toBe(5);
    // One ships: demand drops to 4.
    const factory: FactoryPrincipal = { kind: "factory", credentialId: "t", productId: "*", pool: "general", factoryId: "f0" };
    await coordinator.release(factory, ids[0]!, { leaseEpoch: 1, outcome: "shipped" });
    expect(await metric()).toBe(4);
  });

  it("streams activity changes", async () => {
    const stream = (client.StreamIsActive as (req: unknown) => grpc.ClientReadableStream<{ result: boolean }>).call(client, ref);
    const first = await new Promise<{ result: boolean }>((resolve) => stream.once("data", resolve));
    expect(first.result).toBe(true);
    stream.cancel();
    await new Promise((resolve) => stream.on("error", resolve));
  });

  it("answers NOT_FOUND for an unknown pool", async () => {
    await expect(unary("GetMetrics", { scaledObjectRef: { ...ref, scalerMetadata: { pool: "nope" } }, metricName: "x" })).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
  });
});
