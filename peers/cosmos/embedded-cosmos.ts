import type { Server } from "node:http";
import type { Socket } from "node:net";
import { createHttpServer } from "@vercel/cosmosdb-server";

/** The well-known key of Microsoft's Cosmos DB emulator. The local peer accepts any key; this one
 * keeps configuration identical to the official emulator's. */
export const EMULATOR_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

export interface EmbeddedCosmos {
  /** `http://host:port`: give it to CosmosClient with `connectionPolicy.enableEndpointDiscovery = false`. */
  endpoint: string;
  key: string;
  port: number;
  /** Stops listening and drops every connection, idle keep-alive ones included: no handle stays open. */
  close(): Promise<void>;
}

/**
 * A Cosmos DB protocol server (`@vercel/cosmosdb-server`, data in memory) listening on
 * 127.0.0.1, so the real `@azure/cosmos` SDK and the production Cosmos adapter run on a machine
 * with no Azure and no Docker. Plain HTTP: the SDK allows insecure connections for `http:`
 * endpoints by itself; endpoint discovery must be off, since the peer has no regions to list.
 * What it does and does not emulate: peers/cosmos/README.md.
 */
export async function startEmbeddedCosmos(options: { host?: string; port?: number } = {}): Promise<EmbeddedCosmos> {
  const host = options.host ?? "127.0.0.1";
  const server: Server = createHttpServer();
  // The SDK keeps sockets alive between requests; close() has to end them or the process lingers.
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
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
  const address = server.address();
  if (address === null || typeof address !== "object") throw new Error("the Cosmos peer did not report its port");
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${address.port}`,
    key: EMULATOR_KEY,
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
