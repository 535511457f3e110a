import { createServer, type Server, type Socket, connect } from "node:net";

/** What the proxy does to traffic right now. */
export type ProxyMode =
  | { kind: "pass" }
  /** New connections are reset at once (as close to "connection refused" as a listener gets). */
  | { kind: "refuse" }
  /** Connections open and bytes are read, but nothing is forwarded either way. */
  | { kind: "blackhole" }
  /** Client to server passes; server to client is dropped: the sender never sees its acks. */
  | { kind: "drop-replies" }
  | { kind: "latency"; ms: number };

/**
 * A small TCP fault proxy on 127.0.0.1 in front of a broker or store: pass, refuse, blackhole,
 * one-way drop and latency, switchable at run time; `resetAll()` cuts every open connection.
 */
export class FaultProxy {
  private mode: ProxyMode = { kind: "pass" };
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  /** Chunks held back by latency mode, by the socket they are bound for. */
  private readonly delayed = new WeakMap<Socket, number>();
  private server: Server | undefined;
  port = 0;
  readonly counts = { connections: 0, refused: 0, resets: 0, droppedChunks: 0, delayedChunks: 0 };

  constructor(private readonly target: { host: string; port: number }) {}

  async start(port = 0): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
    const address = this.server.address();
    this.port = typeof address === "object" && address !== null ? address.port : 0;
    return this.port;
  }

  set(mode: ProxyMode): void {
    this.mode = mode;
    if (mode.kind === "refuse") this.resetAll();
  }

  resetAll(): void {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
      this.counts.resets++;
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.resetAll();
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }

  private accept(client: Socket): void {
    if (this.mode.kind === "refuse") {
      this.counts.refused++;
      client.destroy();
      return;
    }
    this.counts.connections++;
    const upstream = connect(this.target.port, this.target.host);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    // A side that closes tears the pair down only once the bytes delayed towards the other side
    // have gone out: a server that answers and closes must still be heard, as on a slow link.
    const endAfterDelayed = () => {
      const inFlight = (this.delayed.get(client) ?? 0) + (this.delayed.get(upstream) ?? 0);
      if (inFlight === 0) end();
      else setTimeout(endAfterDelayed, 10);
    };
    // While replies are swallowed, the server's close is swallowed too: the client keeps a
    // connection that answers nothing, and is reset when it next sends after the fault heals.
    const upstreamClosed = () => {
      if (this.mode.kind === "blackhole" || this.mode.kind === "drop-replies") return;
      endAfterDelayed();
    };
    client.on("error", end).on("close", endAfterDelayed);
    upstream.on("error", upstreamClosed).on("close", upstreamClosed);
    client.on("data", (chunk: Buffer) => {
      if (upstream.destroyed && this.mode.kind !== "blackhole") end();
      else this.forward(chunk, upstream, "up");
    });
    upstream.on("data", (chunk: Buffer) => this.forward(chunk, client, "down"));
  }

  private forward(chunk: Buffer, to: Socket, direction: "up" | "down"): void {
    const mode = this.mode;
    if (mode.kind === "blackhole" || (mode.kind === "drop-replies" && direction === "down")) {
      this.counts.droppedChunks++;
      return;
    }
    if (mode.kind === "latency") {
      this.counts.delayedChunks++;
      this.delayed.set(to, (this.delayed.get(to) ?? 0) + 1);
      setTimeout(() => {
        this.delayed.set(to, (this.delayed.get(to) ?? 1) - 1);
        if (to.writable) to.write(chunk);
      }, mode.ms);
      return;
    }
    if (to.writable) to.write(chunk);
  }
}
