import { createServer } from "node:net";
import type { Logger } from "pino";
import type { BrokerPort } from "../../broker/port.js";
import type { StorePort } from "../../store/port.js";
import { systemClock } from "../../contracts/index.js";
import { type CoordinatorProcessOptions, buildCoordinatorProcess } from "../coordinator-process.js";
import { CoordinatorReplica } from "./coordinator-replica.js";
import { closeForwardingConnections } from "./forward-to-leader.js";
import { startScalerForwarder } from "./forward-scaler.js";
import type { LeadershipConfig } from "./leadership-config.js";
import { registerLeadershipMetrics } from "./leadership-metrics.js";
import { startReplicaFront } from "./replica-front.js";

/** Exit code of a replica that stopped leading: the platform restarts it as a fresh follower. */
export const STEPPED_DOWN_EXIT_CODE = 3;

export interface RunReplicaOptions {
  leadership: LeadershipConfig;
  listen: { host: string; port: number };
  /** The public scaler port (KEDA's external push scaler); forwarded to the leader's. */
  scaler: { host: string; port: number };
  store: StorePort;
  broker: BrokerPort | undefined;
  logger: Logger;
  /** How the leader's coordinator is built: everything but what leadership decides. */
  process: Omit<CoordinatorProcessOptions, "store" | "broker" | "leadership" | "scaler">;
  /** What to close at the end (the store, the broker), in order. */
  cleanups: (() => Promise<void>)[];
}

/**
 * Runs this process as one coordinator replica (LEADER_ELECTION=on): the HTTP front and the scaler
 * port at once, as a follower forwarding to the leader, and the election. On winning it builds the
 * coordinator behind the leadership gate; on losing it stops everything and exits with
 * STEPPED_DOWN_EXIT_CODE. Returns the front's URL and a shutdown for SIGTERM.
 */
export async function runReplica(options: RunReplicaOptions): Promise<{ url: string; describe: string[]; shutdown(): Promise<void> }> {
  const { leadership, logger } = options;
  await options.store.init();
  const internalScalerPort = options.broker === undefined ? undefined : await freePort(options.scaler.host);
  let shuttingDown = false;
  const closeAll = async () => {
    await front.close().catch(() => undefined);
    await scalerForwarder?.close().catch(() => undefined);
    await replica.close().catch(() => undefined);
    closeForwardingConnections();
    for (const cleanup of options.cleanups) await cleanup().catch((error: unknown) => logger.warn({ err: error }, "shutdown step failed"));
  };
  const replica: CoordinatorReplica = new CoordinatorReplica({
    store: options.store,
    ...(options.broker === undefined ? {} : { broker: options.broker }),
    clock: options.process.clock ?? systemClock,
    me: {
      id: leadership.replicaId,
      address: leadership.advertiseUrl,
      ...(internalScalerPort === undefined ? {} : { scalerAddress: `${leadership.advertiseHost}:${internalScalerPort}` }),
    },
    timing: leadership.timing,
    logger,
    build: async ({ store, broker, gate }) => {
      const built = await buildCoordinatorProcess({
        ...options.process,
        store,
        ...(broker === undefined ? {} : { broker }),
        leadership: gate,
        scaler: internalScalerPort === undefined ? false : { host: options.scaler.host, port: internalScalerPort },
      });
      registerLeadershipMetrics(built.metrics.registry, replica);
      return built;
    },
    onStepDown: (reason) => {
      if (shuttingDown) return;
      shuttingDown = true;
      logger.error({ replica: leadership.replicaId, reason }, "this coordinator replica stepped down; exiting so the platform starts a fresh follower");
      void closeAll().finally(() => process.exit(STEPPED_DOWN_EXIT_CODE));
    },
  });
  const front = await startReplicaFront({ host: options.listen.host, port: options.listen.port, replica });
  const scalerForwarder =
    internalScalerPort === undefined
      ? undefined
      : await startScalerForwarder({ host: options.scaler.host, port: options.scaler.port, leaderScaler: () => replica.leader()?.scalerAddress });
  replica.start();
  return {
    url: front.url,
    describe: [
      `  leadership: replica ${leadership.replicaId}, lease ${leadership.timing.leaseMs} ms; forwards to the leader until it leads; reached by the others at ${leadership.advertiseUrl}`,
      ...(scalerForwarder === undefined ? [] : [`  scaler:   ${options.scaler.host}:${scalerForwarder.port} (forwarded to the leader's)`]),
    ],
    async shutdown() {
      shuttingDown = true;
      // A clean stop: the leader records the relay's progress; a follower has nothing to record.
      const built = replica.process;
      if (built !== undefined) await built.close().catch(() => undefined);
      await closeAll();
    },
  };
}

async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null) throw new Error("no free port for the external scaler");
  return address.port;
}
