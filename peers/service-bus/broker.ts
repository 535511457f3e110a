import { appendFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { AmqpServer } from "./amqp-server.js";
import { handleAtomRequest } from "./atom/atom-handler.js";
import { BrokerState } from "./broker-state.js";
import type { SubscriptionSettings, TopicSettings } from "./entities.js";
import type { OperationCounts } from "./operation-counts.js";
import { loadSnapshot, startSnapshots } from "./persistence.js";

/** Where the broker serves its operation counts (JSON), on its one port. */
export const OPERATIONS_PATH = "/$operations";

export interface LocalServiceBusOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Keep topology and messages in this folder across process restarts. */
  dataDir?: string;
  /** How often locks and time-to-live are checked. */
  sweepIntervalMs?: number;
  /** Appends one JSON line per message a topic accepted (`{ at, topic, messageId, duplicate }`),
   * before the sender is told: what chaos runs check "nothing published without a commit" on. */
  traceFile?: string;
}

export interface LocalServiceBus {
  readonly port: number;
  readonly connectionString: string;
  readonly state: BrokerState;
  /** Closes the listener and every client connection; keeps all state (an outage). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** stop() then start(); by default every lock is lost, as when a broker node restarts. */
  restart(options?: { loseLocks?: boolean; downForMs?: number }): Promise<void>;
  /** Drops every client connection but keeps listening. */
  dropConnections(): Promise<void>;
  /** Answers sends and/or receives with ServerBusy (Azure's throttling) until called with false. */
  setServerBusy(busy: { sends?: boolean; receives?: boolean } | false): void;
  close(): Promise<void>;
  createTopic(name: string, settings?: Partial<TopicSettings>): void;
  createSubscription(topic: string, name: string, settings?: Partial<SubscriptionSettings>): void;
  stats(): { topics: number; connections: number; messages: number; deadLetters: number; serverBusyRefusals: number };
  /** What clients asked so far, by kind; also served as JSON at GET /$operations. */
  operations(): OperationCounts;
}

/**
 * A local Azure Service Bus protocol broker for the real @azure/service-bus SDK (connection string
 * with UseDevelopmentEmulator=true). AMQP 1.0 and the administration client's ATOM endpoint share
 * one port: each TCP connection is routed by its first bytes ("AMQP" or an HTTP request line).
 */
export async function startLocalServiceBus(options: LocalServiceBusOptions = {}): Promise<LocalServiceBus> {
  const host = options.host ?? "127.0.0.1";
  const state = new BrokerState(() => Date.now());
  if (options.dataDir !== undefined) loadSnapshot(state, options.dataDir);
  const snapshots = options.dataDir === undefined ? undefined : startSnapshots(state, options.dataDir);
  const traceFile = options.traceFile;
  const amqp = new AmqpServer(state, {
    ...(snapshots === undefined ? {} : { durable: () => snapshots.flush() }),
    ...(traceFile === undefined ? {} : { onPublished: (topic, messageId, duplicate) => appendFileSync(traceFile, `${JSON.stringify({ at: Date.now(), topic, messageId, duplicate })}\n`) }),
  });
  let administration = 0;
  const operations = (): OperationCounts => ({ ...amqp.operations(), administration });
  const http = createHttpServer((request, response) => {
    // The broker's own counters, for benchmarks and idle-cost checks (not a Service Bus API).
    if (request.method === "GET" && request.url === OPERATIONS_PATH) {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(operations()));
      return;
    }
    administration++;
    void handleAtomRequest(state, request, response);
  });
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = options.port ?? 0;
  const sweep = setInterval(() => state.sweep(), options.sweepIntervalMs ?? 100);
  sweep.unref();

  const route = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    socket.once("data", (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      if (chunk.subarray(0, 4).toString("latin1") === "AMQP") amqp.accept(socket);
      else http.emit("connection", socket);
      socket.resume();
    });
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer(route);
      next.once("error", reject);
      next.listen(port, host, () => {
        const address = next.address();
        if (typeof address === "object" && address !== null) port = address.port;
        server = next;
        resolve();
      });
    });

  const closeEverything = async () => {
    const listening = server;
    server = undefined;
    // Stop accepting first; close() completes only once every connection is gone.
    const closed = new Promise<void>((resolve) => (listening === undefined ? resolve() : listening.close(() => resolve())));
    await amqp.closeConnections();
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await closed;
  };

  await listen();
  const connectionString = () => `Endpoint=sb://${host}:${port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true`;
  return {
    get port() {
      return port;
    },
    get connectionString() {
      return connectionString();
    },
    state,
    stop: closeEverything,
    start: listen,
    async restart(restartOptions = {}) {
      await closeEverything();
      if (restartOptions.loseLocks !== false) state.dropAllLocks();
      if (restartOptions.downForMs !== undefined) await new Promise((resolve) => setTimeout(resolve, restartOptions.downForMs));
      await listen();
    },
    async dropConnections() {
      await amqp.closeConnections();
    },
    setServerBusy(busy) {
      amqp.setServerBusy(busy === false ? { sends: false, receives: false } : { sends: busy.sends === true, receives: busy.receives === true });
    },
    async close() {
      clearInterval(sweep);
      await closeEverything();
      amqp.dispose();
      snapshots?.stop();
      http.close();
    },
    createTopic(name, settings) {
      state.createTopic(name, settings);
    },
    createSubscription(topic, name, settings) {
      state.createSubscription(topic, name, settings);
    },
    operations,
    stats() {
      let messages = 0;
      let deadLetters = 0;
      for (const topic of state.topics.values()) {
        for (const subscription of topic.subscriptions.values()) {
          messages += subscription.main.messages.size;
          deadLetters += subscription.dlq.messages.size;
        }
      }
      return { topics: state.topics.size, connections: sockets.size, messages, deadLetters, serverBusyRefusals: amqp.serverBusyRefusals() };
    },
  };
}
