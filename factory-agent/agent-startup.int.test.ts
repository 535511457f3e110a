import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentHarness, startAgentHarness } from "../test/support/agent-harness.js";
import { AgentEnv } from "./config.js";

const AGENT = fileURLToPath(new URL("./main.ts", import.meta.url));
const runAgent = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ["--import", "tsx", AGENT, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8", timeout: 20_000 });

describe("factory agent start-up against the coordinator", () => {
  let h: AgentHarness;
  beforeAll(async () => {
    h = await startAgentHarness();
  });
  afterAll(async () => h?.close());

  it("exits 2 naming POOL when POOL is not the token's pool, before receiving anything", async () => {
    const agent = h.startAgent({ POOL: "nosuch" });
    expect(await agent.exited).toBe(2);
    expect(agent.output()).toContain("POOL=nosuch is not the pool of FACTORY_TOKEN, which belongs to pool 'general'");
    expect(agent.output()).not.toContain("factory agent started");
  }, 30_000);

  it("exits 2 naming FACTORY_TOKEN when the coordinator does not know the token", async () => {
    const agent = h.startAgent({ FACTORY_TOKEN: "pool-nobody.0123456789abcdef0123456789" });
    expect(await agent.exited).toBe(2);
    expect(agent.output()).toContain("FACTORY_TOKEN was refused by the coordinator");
    expect(agent.output()).not.toContain("factory agent started");
  }, 30_000);

  it("starts when the pool is the token's own", async () => {
    const agent = h.startAgent({ IDLE_TIMEOUT_SECONDS: "1" });
    expect(await agent.exited).toBe(0);
    expect(agent.output()).toContain("factory agent started");
    expect(agent.output()).not.toContain("not verified");
  }, 30_000);
});

describe("factory agent configuration at start", () => {
  it("exits 2 on a garbage Service Bus connection string, naming the variable", () => {
    const result = runAgent([], {
      COORDINATOR_URL: "http://127.0.0.1:9",
      FACTORY_TOKEN: "pool-general.0123456789abcdef0123",
      POOL: "general",
      SERVICEBUS_CONNECTION_STRING: "definitely not a connection string",
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/SERVICEBUS_CONNECTION_STRING: expected key=value parts/);
  }, 30_000);

  it("prints every variable with its default on --help, and starts nothing", () => {
    // No configuration at all: anything but the help would exit 2.
    const result = runAgent(["--help"], {});
    expect(result.status).toBe(0);
    expect(result.stderr).toBe("");
    for (const name of Object.keys(AgentEnv.shape)) expect(result.stdout, name).toMatch(new RegExp(`^  ${name} `, "m"));
    expect(result.stdout).toMatch(/^ {2}HEARTBEAT_SECONDS +15 /m);
    expect(result.stdout).toMatch(/^ {2}MODE +serve /m);
    expect(result.stdout).toMatch(/^ {2}COORDINATOR_URL +\(required\) /m);
    expect(result.stdout).toContain("Exit codes");
  }, 30_000);

  it("exits 2 on an unknown option, pointing at --help", () => {
    const result = runAgent(["--pool", "general"], {});
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--pool");
    expect(result.stderr).toContain("--help");
  }, 30_000);
});
