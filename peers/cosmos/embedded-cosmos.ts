import type { Server } from "node:http";
import type { Socket } from "node:net";
import { createHttpServer } from "@vercel/cosmosdb-server";

/** The well-known key of Microsoft's Cosmos DB emulator; the local peer accepts any key. */
export const EMULATOR_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

export interface EmbeddedCosmos {
  endpoint: string;
  key: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A Cosmos DB protocol server (`@vercel/cosmosdb-server`, in memory) on 127.0.0.1, so the real
 * `@azure/cosmos` SDK and our Cosmos adapter run locally. Plain HTTP: give the client
 * `connectionPolicy.enableEndpointDiscovery = false`. What it does not emulate is listed in
 * peers/cosmos/README.md.
 */
export async function startEmbeddedCosmos(options: { host?: string; port?: number } = {}): Promise<EmbeddedCosmos> {
  const server: Server = createHttpServer();
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    endpoint: `http://${host}:${port}`,
    key: EMULATOR_KEY,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
