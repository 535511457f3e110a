import { Agent, type IncomingMessage, type Server, type ServerResponse, createServer, request } from "node:http";

/**
 * A load balancer in front of the coordinator replicas, as Container Apps' ingress is: round robin
 * over the replicas, and a request whose connection is refused or reset before any answer is tried
 * on the next one (the body is buffered: API bodies are small). A replica that refused is skipped
 * for half a second. What the replicas answer (a 503 while they elect) goes back as it is.
 */
export class Ingress {
  private server: Server | undefined;
  private next = 0;
  private readonly downUntil = new Map<string, number>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  readonly counts = { requests: 0, failovers: 0, unreachable: 0 };
  url = "";

  constructor(private readonly upstreams: () => string[]) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    this.server = server;
    const address = server.address();
    this.url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.agent.destroy();
    const server = this.server;
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counts.requests++;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const all = this.upstreams();
    const now = Date.now();
    const order = [...all.keys()].map((i) => all[(this.next + i) % all.length]!);
    this.next = (this.next + 1) % Math.max(1, all.length);
    const candidates = [...order.filter((u) => (this.downUntil.get(u) ?? 0) <= now), ...order.filter((u) => (this.downUntil.get(u) ?? 0) > now)];
    for (const [index, upstream] of candidates.entries()) {
      const outcome = await this.tryOne(upstream, req, body, res);
      if (outcome === "answered") return;
      this.downUntil.set(upstream, Date.now() + 500);
      if (index < candidates.length - 1) this.counts.failovers++;
    }
    this.counts.unreachable++;
    const text = JSON.stringify({ error: { code: "UNAVAILABLE", message: "no coordinator replica accepted the connection; retry" } });
    res.writeHead(502, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  }

  private tryOne(upstream: string, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<"answered" | "refused"> {
    return new Promise((resolve) => {
      const target = new URL(req.url ?? "/", upstream);
      const headers = { ...req.headers, host: target.host, "content-length": String(body.length) };
      delete headers.connection;
      delete headers["transfer-encoding"];
      const upstreamRequest = request(target, { method: req.method, headers, agent: this.agent }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on("error", () => res.destroy());
        resolve("answered");
      });
      upstreamRequest.on("error", () => {
        // Before any answer the request can go elsewhere; after it has begun, cut the caller off.
        if (res.headersSent) {
          res.destroy();
          resolve("answered");
        } else resolve("refused");
      });
      upstreamRequest.end(body);
    });
  }
}
