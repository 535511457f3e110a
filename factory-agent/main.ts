import { parseArgs } from "node:util";
import pino from "pino";
import { systemClock, systemTimers } from "../contracts/index.js";
import { createBroker } from "../broker/registry.js";
import { Agent } from "./agent.js";
import { type AgentConfig, loadAgentConfig } from "./config.js";
import { agentHelp } from "./config-help.js";
import { checkAgainstCoordinator } from "./coordinator-check.js";
import { EnrollmentError, type FactoryIdentity, keepTokenFresh, leaveFleet, settleCredential } from "./factory-credential.js";
import { CoordinatorClient } from "./coordinator-client.js";
import { createArtifactStore } from "../artifacts/registry.js";
import { CommandEngine } from "./engines/command-engine.js";
import { PublishingEngine } from "./publishing-engine.js";
import type { Engine } from "./engines/port.js";
import { NoopEngine } from "./engines/noop-engine.js";
import { SimEngine } from "./engines/sim-engine.js";
import { startHealthServer } from "./health-server.js";
import { startHeartbeat } from "./heartbeat.js";
import { HttpCoordinatorTransport } from "./http-coordinator-transport.js";

/** Exit codes: 0 done (idle, one-shot finished, drained), 2 bad configuration, 1 crash. */
async function main(): Promise<number> {
  let help: boolean;
  try {
    help = parseArgs({ options: { help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false }).values.help === true;
  } catch (error) {
    process.stderr.write(`factory agent: ${error instanceof Error ? error.message : String(error)}; it takes only --help (see npm run agent -- --help), everything else comes from the environment\n`);
    return 2;
  }
  if (help) {
    process.stdout.write(agentHelp());
    return 0;
  }
  let config: AgentConfig;
  // (reassigned once: an enrolled factory takes the id the coordinator gave it)
  try {
    config = loadAgentConfig();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const bootLogger = pino({ level: config.logLevel, base: { pool: config.pool } });
  let identity: FactoryIdentity;
  try {
    identity = await settleCredential(config, bootLogger);
  } catch (error) {
    if (!(error instanceof EnrollmentError)) throw error;
    process.stderr.write(`invalid factory-agent configuration:\n  ENROLLMENT_TOKEN: ${error.message}\n`);
    return 2;
  }
  config = { ...config, factoryId: identity.factoryId };
  const logger = bootLogger.child({ factoryId: identity.factoryId });
  const transport = new HttpCoordinatorTransport({ baseUrl: config.coordinatorUrl, token: identity.token, factoryId: identity.factoryId });
  const stopRotation = keepTokenFresh(identity, config.coordinatorUrl, (token) => transport.useToken(token), logger);
  const client = new CoordinatorClient({
    transport,
    clock: systemClock,
    timers: systemTimers,
    random: Math.random,
    onRetry: (call, attempt, reason) => logger.warn({ call, attempt, reason }, "coordinator call failed; retrying"),
  });
  // Before receiving anything: a token of another pool would have every accept refused.
  const checked = await checkAgainstCoordinator({
    pool: config.pool,
    coordinatorUrl: config.coordinatorUrl,
    heartbeat: () => client.heartbeat({ load: 0, seats: config.seats, health: "ok" }),
  });
  if (checked.kind === "bad-configuration") {
    process.stderr.write(`invalid factory-agent configuration:\n  ${checked.message}\n`);
    stopRotation();
    return 2;
  }
  if (checked.kind === "unverified") logger.warn({ reason: checked.reason }, "POOL and FACTORY_TOKEN not verified with the coordinator; starting anyway");
  const bare: Engine =
    config.engine.kind === "sim"
      ? new SimEngine({ durationMs: config.engine.durationMs, failureRate: config.engine.failureRate, crashRate: config.engine.crashRate })
      : config.engine.kind === "noop"
        ? new NoopEngine()
        : new CommandEngine({ command: config.engine.command, input: config.engine.input, gitBaseUrl: config.gitBaseUrl });
  // With an artifact store, every attempt's log streams to it and its files are uploaded at release.
  const engine: Engine =
    config.artifacts === undefined
      ? bare
      : new PublishingEngine(bare, { store: createArtifactStore(config.artifacts), factoryId: config.factoryId, flushMs: config.logFlushMs, logger });
  const broker = createBroker({ kind: "service-bus", ...config.broker });
  const agent = new Agent(config, { broker, client, engine, logger, clock: systemClock, timers: systemTimers, random: Math.random });
  const health = await startHealthServer(config.healthPort, () => ({ pool: config.pool, factoryId: config.factoryId, ...agent.stats() }));
  const stopHeartbeat = startHeartbeat(
    client,
    config.heartbeatMs,
    () => ({ load: agent.stats().running, seats: config.seats }),
    logger,
    systemTimers,
    () => agent.finishAndExit(),
  );
  logger.info(
    { mode: config.mode, seats: config.seats, engine: engine.name, artifacts: config.artifacts === undefined ? "off" : "blob", healthPort: health.port },
    "factory agent started",
  );

  let terminating = false;
  process.on("SIGTERM", () => {
    if (terminating) return;
    terminating = true;
    logger.info({ graceMs: config.graceMs }, "SIGTERM: draining");
    const deadline = setTimeout(() => {
      logger.error("grace period over before the drain finished; exiting");
      process.exit(1);
    }, config.graceMs);
    deadline.unref();
    void agent.drain();
  });
  process.on("SIGINT", () => process.kill(process.pid, "SIGTERM"));

  const exit = await agent.run();
  stopHeartbeat();
  stopRotation();
  health.server.close();
  await broker.close().catch(() => undefined);
  // A clean exit (idle, one job done, drained or the pool drained): leave nothing behind.
  await leaveFleet(identity, config.coordinatorUrl, logger);
  logger.info({ exit, ...agent.stats() }, "factory agent exiting");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`factory agent crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
