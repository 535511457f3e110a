import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import { createPackageAccount, type PackageAccount } from "./cosmosdb-server-internals.js";
import { type DataDirectory, type DataDirectoryStats, openDataDirectory } from "./data-directory.js";
import { createRequestListener } from "./request-handler.js";
import { RequestUnitBudget } from "./request-units.js";

/** The well-known key of Microsoft's Cosmos DB emulator. The local peer accepts any key; this one
 * keeps configuration identical to the official emulator's. */
export const EMULATOR_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

export interface EmbeddedCosmosOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Keeps the state in this directory (journal and snapshot) and restores it at start. Without
   * it the state lives in memory only and is gone when the peer stops. */
  dataDir?: string;
  /** Journal size that triggers compaction into a snapshot. Default 64 MiB. */
  compactAtBytes?: number;
  /** A provisioned-throughput budget: past it, document requests get 429 with a retry-after. */
  ruPerSecond?: number;
  /** HTTP keep-alive (default on): the SDK reuses its connections instead of one per request. */
  keepAlive?: boolean;
  /** The journal failed (disk full, I/O error): the peer now answers 503. Default: print it. */
  onJournalFailure?: (error: Error) => void;
}

export interface EmbeddedCosmosStats {
  /** Where the state lives: "memory", or the data directory. */
  durability: "memory" | "journal";
  journal?: DataDirectoryStats;
  /** TCP connections accepted since start (with keep-alive, a client opens a few and reuses them). */
  connectionsAccepted: number;
}

export interface EmbeddedCosmos {
  /** `http://host:port`: give it to CosmosClient with `connectionPolicy.enableEndpointDiscovery = false`. */
  endpoint: string;
  key: string;
  port: number;
  dataDir: string | undefined;
  /** What was read back from the data directory at start (undefined in memory). */
  restored: DataDirectory["restored"] | undefined;
  stats(): EmbeddedCosmosStats;
  /** Stops listening and drops every connection, idle keep-alive ones included, then writes what
   * the journal still holds and closes it: no handle stays open. */
  close(): Promise<void>;
}

/**
 * A Cosmos DB protocol server (`@vercel/cosmosdb-server`'s handlers and state) on 127.0.0.1, so
 * the real `@azure/cosmos` SDK and the production Cosmos adapter run on a machine with no Azure
 * and no Docker. With `dataDir`, every change it acknowledges is on disk before the reply
 * (peers/cosmos/README.md says exactly what is there). Plain HTTP: the SDK allows insecure
 * connections for `http:` endpoints by itself; endpoint discovery must be off, since the peer has
 * no regions to list.
 */
export async function startEmbeddedCosmos(options: EmbeddedCosmosOptions = {}): Promise<EmbeddedCosmos> {
  const host = options.host ?? "127.0.0.1";
  const budget = options.ruPerSecond === undefined ? undefined : new RequestUnitBudget(options.ruPerSecond);
  let ready!: (account: PackageAccount) => void;
  let notReady!: (error: Error) => void;
  const account = new Promise<PackageAccount>((resolve, reject) => {
    ready = resolve;
    notReady = reject;
  });
  account.catch(() => {});
  // The journal exists only once the state is restored; until then requests wait on `account`.
  let dataDirectory: DataDirectory | undefined;
  const listener = createRequestListener({
    account,
    keepAlive: options.keepAlive ?? true,
    ...(budget === undefined ? {} : { budget }),
    get journal() {
      return dataDirectory?.journal;
    },
  });
  const server: Server = createServer(listener);
  // No idle timeout on kept-alive connections: Node 20's client agent ignores the server's
  // `Keep-Alive: timeout` hint, so a server that closes idle sockets races the SDK reusing one, and
  // a write cut that way reaches the adapter as an unknown outcome. close() ends them all instead.
  server.keepAliveTimeout = 0;
  const sockets = new Set<Socket>();
  let connectionsAccepted = 0;
  server.on("connection", (socket: Socket) => {
    connectionsAccepted++;
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    });

  const address = server.address();
  if (address === null || typeof address !== "object") throw new Error("the Cosmos peer did not report its port");
  const state = createPackageAccount(host, address.port);
  if (options.dataDir !== undefined) {
    try {
      dataDirectory = await openDataDirectory({
        dir: options.dataDir,
        account: state,
        ...(options.compactAtBytes === undefined ? {} : { compactAtBytes: options.compactAtBytes }),
        onFailure:
          options.onJournalFailure ??
          ((error) => process.stderr.write(`the Cosmos peer stopped accepting requests: ${error.message}\n`)),
      });
    } catch (error) {
      notReady(error as Error);
      await stopListening();
      throw error;
    }
  }
  ready(state);

  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${address.port}`,
    key: EMULATOR_KEY,
    port: address.port,
    dataDir: options.dataDir,
    restored: dataDirectory?.restored,
    stats: () =>
      dataDirectory === undefined
        ? { durability: "memory", connectionsAccepted }
        : { durability: "journal", journal: dataDirectory.stats(), connectionsAccepted },
    close() {
      closing ??= (async () => {
        await stopListening();
        await dataDirectory?.close();
      })();
      return closing;
    },
  };
}
