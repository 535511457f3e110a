import { describe, expect, it } from "vitest";
import { parseTopology } from "./topology-file.js";

const pool = { name: "general", capabilities: ["lang:ts"], image: "x", seats: 1, maxReplicas: 1, workload: "scaledJob" };

describe("topology: products and preemption", () => {
  it("loads per-product shares and weights, and preemption defaults", () => {
    const topology = parseTopology({ pools: [pool], products: { acme: { share: 3, weights: { priority: 20 } } } });
    expect(topology.products).toEqual({ acme: { share: 3, weights: { priority: 20 } } });
    expect(topology.preemption).toEqual({ enabled: true, maxPerJob: 2 });
  });

  it("rejects an age weight below zero: the scheduler's ready buckets are FIFO only while age counts for a job", () => {
    expect(() => parseTopology({ pools: [pool], products: { acme: { weights: { age: -1 } } } })).toThrow(/products\.acme\.weights\.age: age weight must be >= 0/);
    expect(() => parseTopology({ pools: [pool], products: { acme: { share: 0 } } })).toThrow(/share/);
    expect(() => parseTopology({ pools: [pool], products: { acme: { weights: { speed: 1 } } } })).toThrow(/speed/);
  });

  it("no longer accepts criticalLane, which did nothing: critical work preempts instead", () => {
    expect(() => parseTopology({ pools: [pool], criticalLane: true })).toThrow(/criticalLane/);
  });
});
