import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../contracts/index.js";
import { CredentialRegistry, mintToken } from "../coordinator/auth/credentials.js";
import { buildCoordinatorProcess, type CoordinatorProcess } from "../composition/coordinator-process.js";
import { MemoryStore } from "../store/memory/memory-store.js";
import { testTopology } from "../test/support/topology-fixture.js";
import { EnrollmentError, deregisterFactory, enrollFactory, rotateFactoryToken, rotationDueAt } from "./enrollment.js";

/** The agent's enrollment calls against a real coordinator over HTTP. */
describe("factory enrollment from the agent", () => {
  let app: CoordinatorProcess;
  let running: boolean;
  let url: string;
  const operator = mintToken("op-acme");

  beforeEach(async () => {
    app = await buildCoordinatorProcess({
      store: new MemoryStore(),
      topology: testTopology({ generalMax: 1 }),
      credentials: new CredentialRegistry({
        operators: [{ id: "op-acme", productId: "acme", secretSha256: operator.secretSha256 }],
        // One enrollment a second for the whole pool, to see the client wait out a 429.
        rateLimits: { enrollment: { perSecond: 1, burst: 1 } },
      }),
      clock: systemClock,
      logger: pino({ level: "silent" }),
      loop: false,
      processMetrics: false,
    });
    url = await app.listen("127.0.0.1", 0);
    running = true;
  });
  afterEach(async () => {
    if (running) await app.close();
  });

  const post = async (path: string, token: string, body: unknown) =>
    fetch(`${url}${path}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  const enrollmentToken = async (body: Record<string, unknown> = {}) =>
    ((await (await post("/fleet/enrollment-tokens", operator.token, { pool: "general", ...body })).json()) as { token: string }).token;
  const heartbeat = async (token: string) => (await post("/fleet/factories/heartbeat", token, { load: 0, seats: 1 })).status;

  it("enrolls, works with its own token, rotates it, and deregisters on exit (revoking it)", async () => {
    const enrollment = await enrollFactory({ coordinatorUrl: url, enrollmentToken: await enrollmentToken(), factoryId: "pod-general-7" });
    expect(enrollment).toMatchObject({ factoryId: "pod-general-7", pool: "general", productId: "acme" });
    expect(enrollment.expiresAt).toBeGreaterThan(Date.now());
    expect(await heartbeat(enrollment.token)).toBe(200);

    const rotated = await rotateFactoryToken({ coordinatorUrl: url, token: enrollment.token, factoryId: enrollment.factoryId, graceSeconds: 0 });
    expect(await heartbeat(rotated.token)).toBe(200);
    expect(await heartbeat(enrollment.token)).toBe(401);

    expect(await deregisterFactory({ coordinatorUrl: url, token: rotated.token, factoryId: enrollment.factoryId })).toEqual({ factoryId: "pod-general-7", removed: true, tokenRevoked: true });
    expect(await heartbeat(rotated.token)).toBe(401);
  });

  it("waits out a 429 with its Retry-After, and enrolls under a fresh name when its chosen one is taken", async () => {
    const token = await enrollmentToken();
    const first = await enrollFactory({ coordinatorUrl: url, enrollmentToken: token, factoryId: "pod-1" });
    const retries: string[] = [];
    const started = Date.now();
    const second = await enrollFactory({ coordinatorUrl: url, enrollmentToken: token, factoryId: "pod-1", onRetry: (_attempt, reason) => retries.push(reason) });
    expect(retries).toContain("HTTP 429");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(second.factoryId).toMatch(/^pod-1-[0-9a-f]{6}$/);
    expect(second.token).not.toBe(first.token);
  });

  it("fails at once, without retrying, when the enrollment token is refused", async () => {
    const used = await enrollmentToken({ maxUses: 1 });
    await enrollFactory({ coordinatorUrl: url, enrollmentToken: used });
    const retries: string[] = [];
    const refused = await enrollFactory({ coordinatorUrl: url, enrollmentToken: used, onRetry: (_a, reason) => retries.push(reason) }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(EnrollmentError);
    expect(refused).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
    expect(retries.filter((reason) => reason !== "HTTP 429")).toEqual([]);
  });

  it("gives up deregistering within its bound when the coordinator is gone", async () => {
    const enrollment = await enrollFactory({ coordinatorUrl: url, enrollmentToken: await enrollmentToken() });
    await app.close();
    running = false;
    const started = Date.now();
    const result = await deregisterFactory({ coordinatorUrl: url, token: enrollment.token, factoryId: enrollment.factoryId, retryForMs: 500 });
    expect(result).toMatchObject({ failed: expect.stringContaining("UNREACHABLE") });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("rotates at four fifths of a token's life", () => {
    expect(rotationDueAt(0, 100_000)).toBe(80_000);
  });
});
