import { createServer, type Server } from "node:http";

/** `/healthz` for the container runtime: 200 while the agent loop is alive, with its counters. */
export async function startHealthServer(port: number, status: () => Record<string, unknown>): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    if (request.url === "/healthz") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ ok: true, ...status() }));
      return;
    }
    response.writeHead(404, { "content-type": "application/json" });
    response.end(JSON.stringify({ error: { code: "NOT_FOUND", message: "only /healthz is served here" } }));
  });
  await new Promise<void>((resolve) => server.listen(port, "0.0.0.0", resolve));
  const address = server.address();
  return { server, port: typeof address === "object" && address !== null ? address.port : port };
}
