import { Agent, get, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type EmbeddedCosmos, startEmbeddedCosmos } from "./embedded-cosmos.js";

const peers: EmbeddedCosmos[] = [];
const agents: Agent[] = [];
afterEach(async () => {
  for (const agent of agents.splice(0)) agent.destroy();
  for (const peer of peers.splice(0)) await peer.close();
});

function request(peer: EmbeddedCosmos, agent: Agent): Promise<{ response: IncomingMessage; reused: boolean; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const req = get(`${peer.endpoint}/`, { agent }, (response) => {
      response.resume();
      response.on("end", () => resolve({ response, reused: req.reusedSocket, socket: req.socket! }));
    });
    req.on("error", reject);
  });
}

describe("HTTP keep-alive on the Cosmos peer", () => {
  it("is on by default: a client reuses its connection, and close() still ends the idle one", async () => {
    const peer = await startEmbeddedCosmos();
    peers.push(peer);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    const first = await request(peer, agent);
    expect(first.response.headers.connection).toBe("keep-alive");
    const second = await request(peer, agent);
    expect(second.reused).toBe(true);

    const socketClosed = new Promise((resolve) => second.socket.once("close", resolve));
    const started = performance.now();
    await peer.close();
    await socketClosed;
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("never closes an idle connection itself, so the SDK never reuses one the server is closing", async () => {
    const peer = await startEmbeddedCosmos();
    peers.push(peer);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    await request(peer, agent);
    // Past Node's default keep-alive timeout (5 s; its server closes the socket about a second
    // later), after which a server with the default would have closed it.
    await new Promise((resolve) => setTimeout(resolve, 7000));
    expect((await request(peer, agent)).reused).toBe(true);
  }, 15_000);

  it("is off with keepAlive: false: every reply closes its connection", async () => {
    const peer = await startEmbeddedCosmos({ keepAlive: false });
    peers.push(peer);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    const first = await request(peer, agent);
    expect(first.response.headers.connection).toBe("close");
    expect((await request(peer, agent)).reused).toBe(false);
  });
});
