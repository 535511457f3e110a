import { describe, expect, it } from "vitest";
import { parseTopology } from "../../contracts/topology-file.js";
import { leaseTimingOf } from "../../coordinator/leadership/leader-lease.js";
import { UsageError } from "../entry-point.js";
import { assertLeaseFitsPools, compileLeadershipConfig } from "./leadership-config.js";

const topology = (leaseSeconds: number) =>
  parseTopology({ topic: "t", pools: [{ name: "quick", capabilities: ["lang:ts"], image: "x", seats: 1, maxReplicas: 1, workload: "scaledJob", leaseSeconds }] });

describe("leadership configuration", () => {
  it("is off by default; on, it advertises HOST:PORT (or ADVERTISE_URL) and a fresh replica id per process", () => {
    expect(compileLeadershipConfig({}, { host: "127.0.0.1", port: 8080 }).enabled).toBe(false);
    const on = compileLeadershipConfig({ LEADER_ELECTION: "on", LEADER_LEASE_MS: "9000" }, { host: "10.0.0.7", port: 8080 });
    expect(on).toMatchObject({ enabled: true, advertiseUrl: "http://10.0.0.7:8080", advertiseHost: "10.0.0.7", timing: { leaseMs: 9000, renewEveryMs: 3000, marginMs: 900 } });
    expect(on.replicaId).not.toBe(compileLeadershipConfig({ LEADER_ELECTION: "on" }, { host: "10.0.0.7", port: 8080 }).replicaId);
    expect(compileLeadershipConfig({ LEADER_ELECTION: "on", ADVERTISE_URL: "http://coordinator-1.internal:8080/" }, { host: "0.0.0.0", port: 8080 }).advertiseUrl).toBe("http://coordinator-1.internal:8080");
  });

  it("names every bad variable, and refuses an unreachable replica (port 0 without ADVERTISE_URL)", () => {
    expect(() => compileLeadershipConfig({ LEADER_ELECTION: "yes", LEADER_LEASE_MS: "10" }, { host: "h", port: 1 })).toThrow(/LEADER_ELECTION.*LEADER_LEASE_MS|LEADER_LEASE_MS.*LEADER_ELECTION/s);
    expect(() => compileLeadershipConfig({ LEADER_ELECTION: "on" }, { host: "127.0.0.1", port: 0 })).toThrow(UsageError);
  });

  it("refuses a leadership lease a takeover of which would outlast a third of a pool's lease", () => {
    expect(() => assertLeaseFitsPools(leaseTimingOf(15_000), topology(60))).not.toThrow();
    expect(() => assertLeaseFitsPools(leaseTimingOf(15_000), topology(30))).toThrow(/LEADER_LEASE_MS=15000 is too long for pool 'quick', whose lease is 30 s.*at most 10000/);
  });
});
