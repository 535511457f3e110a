import { type Server, type Socket, connect, createServer } from "node:net";

/**
 * The KEDA external scaler port of a replica: every connection is piped to the leader's scaler
 * (its address is in the lease document), so KEDA can be pointed at any replica, or at a service in
 * front of all of them. When the leader changes, open streams end and KEDA reconnects to the new one.
 */
export async function startScalerForwarder(options: { host: string; port: number; leaderScaler: () => string | undefined }): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    const address = options.leaderScaler();
    if (address === undefined) {
      client.destroy();
      return;
    }
    const at = address.lastIndexOf(":");
    const upstream = connect({ host: address.slice(0, at), port: Number(address.slice(at + 1)) });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end);
    upstream.on("error", end);
    client.on("close", end);
    upstream.on("close", end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
