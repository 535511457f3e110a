import { connect, createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { FaultProxy } from "./fault-proxy.js";

/** A server that answers every connection with one line and closes at once. */
async function answerAndClose(line: string): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => socket.end(`${line}\n`));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { server, port: typeof address === "object" && address !== null ? address.port : 0 };
}

/** Connects through the proxy and reads until the connection ends: the bytes, or the error. */
function readAll(port: number, timeoutMs = 2000): Promise<{ text: string; error?: string; timedOut?: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, timedOut: true });
    }, timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      resolve({ text, error: (error as NodeJS.ErrnoException).code ?? error.message });
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ text });
    });
  });
}

describe("fault proxy", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });
  async function proxied(): Promise<FaultProxy> {
    const { server, port } = await answerAndClose("hello");
    const proxy = new FaultProxy({ host: "127.0.0.1", port });
    await proxy.start();
    closers.push(() => proxy.close(), () => new Promise<void>((resolve) => server.close(() => resolve())));
    return proxy;
  }

  it("passes bytes both ways", async () => {
    const proxy = await proxied();
    expect((await readAll(proxy.port)).text).toBe("hello\n");
  });

  it("under latency still delivers a reply from a server that answers and closes at once", async () => {
    const proxy = await proxied();
    proxy.set({ kind: "latency", ms: 100 });
    const started = Date.now();
    const result = await readAll(proxy.port);
    expect(result.text).toBe("hello\n");
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(proxy.counts.delayedChunks).toBeGreaterThan(0);
  });

  it("refuses new connections and counts them", async () => {
    const proxy = await proxied();
    proxy.set({ kind: "refuse" });
    const result = await readAll(proxy.port);
    expect(result.text).toBe("");
    expect(proxy.counts.refused).toBe(1);
  });

  it("blackholes: the connection stays open and nothing arrives", async () => {
    const proxy = await proxied();
    proxy.set({ kind: "blackhole" });
    const result = await readAll(proxy.port, 300);
    expect(result).toEqual({ text: "", timedOut: true });
    expect(proxy.counts.droppedChunks).toBeGreaterThan(0);
  });

  it("after a blackhole heals, a client whose server went away meanwhile is reset when it sends", async () => {
    const proxy = await proxied();
    proxy.set({ kind: "blackhole" });
    const socket = connect(proxy.port, "127.0.0.1");
    const closed = new Promise<string>((resolve) => {
      socket.on("error", () => undefined);
      socket.on("close", () => resolve("closed"));
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(socket.destroyed).toBe(false);
    proxy.set({ kind: "pass" });
    socket.write("anyone there?\n");
    expect(await closed).toBe("closed");
  });
});
