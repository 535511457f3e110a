import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import { Registry } from "prom-client";
import type { CoordinatorReplica } from "./coordinator-replica.js";
import { FORWARDED_BY_HEADER, forwardToLeader, sendLeaderUnavailable } from "./forward-to-leader.js";
import { registerLeadershipMetrics } from "./leadership-metrics.js";

/**
 * The HTTP listener of a replica, the one address the ingress balances over:
 * - `/healthz` and `/readyz` are answered by the replica itself (readiness names its role);
 * - while this replica leads and has rebuilt its coordinator, every other request is the
 *   coordinator's (its Fastify routing, in process);
 * - as a follower it forwards every request to the leader named in the lease document, reads
 *   included: the leader's memory (ready index, leases, event streams, totals) is the one that
 *   learns of every write, so it is the one that answers; `/metrics` is the follower's own.
 * A request another replica already forwarded is never forwarded again: no loops while the
 * replicas disagree for a moment about who leads.
 */
export async function startReplicaFront(options: { host: string; port: number; replica: CoordinatorReplica }): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const { replica } = options;
  const followerMetrics = new Registry();
  registerLeadershipMetrics(followerMetrics, replica);
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") return json(res, 200, { ok: true });
    if (path === "/readyz") {
      const readiness = replica.readiness();
      return json(res, readiness.ready ? 200 : 503, readiness);
    }
    const serving = replica.process?.server;
    if (serving !== undefined) return serving.routing(req, res);
    if (path === "/metrics") {
      void followerMetrics.metrics().then((text) => {
        res.writeHead(200, { "content-type": followerMetrics.contentType });
        res.end(text);
      });
      return;
    }
    const status = replica.status();
    if (status === "taking-over") return sendLeaderUnavailable(res, "this replica is taking over the leadership and rebuilding its indexes");
    const leader = replica.leader();
    if (req.headers[FORWARDED_BY_HEADER] !== undefined || leader === undefined || leader.holder === replica.id || status === "stepped-down") {
      return sendLeaderUnavailable(res, leader === undefined ? "no coordinator replica leads yet" : `replica ${replica.id} cannot take the request and will not forward it again (the leader known here is ${leader.holder}, epoch ${leader.epoch})`);
    }
    forwardToLeader(req, res, leader.address, replica.id);
  };
  const server = createServer(handle);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  return {
    url: `http://${options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
