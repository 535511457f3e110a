import { type ClientRequest, type IncomingMessage, request } from "node:http";
import { type SseMessage, SseParser } from "../../console/src/data/sse-parser.js";

export interface SseClientOptions {
  token?: string;
  lastEventId?: string;
  /** Do not read the body until resume(): a client too slow to keep up. */
  paused?: boolean;
}

/**
 * A Server-Sent Events client over a real HTTP connection, for protocol tests: collects every event
 * and comment, can stop reading (to play a slow client) and waits for what a test expects, bounded.
 */
export class SseClient {
  readonly events: SseMessage[] = [];
  readonly comments: string[] = [];
  status = 0;
  headers: IncomingMessage["headers"] = {};
  /** The body of a refused request (an API error). */
  body = "";
  readonly ended: Promise<void>;
  private response: IncomingMessage | undefined;
  private readonly waiters: (() => void)[] = [];

  private constructor(
    private readonly req: ClientRequest,
    ready: (client: SseClient) => void,
    paused: boolean,
  ) {
    let markEnded: () => void = () => undefined;
    this.ended = new Promise((resolve) => {
      markEnded = resolve;
    });
    const parser = new SseParser({
      onMessage: (message) => {
        this.events.push(message);
        this.notify();
      },
      onComment: (text) => {
        this.comments.push(text);
        this.notify();
      },
    });
    req.on("response", (response) => {
      this.response = response;
      this.status = response.statusCode ?? 0;
      this.headers = response.headers;
      response.setEncoding("utf8");
      if (paused && this.status === 200) response.pause();
      response.on("data", (chunk: string) => {
        if (this.status === 200) parser.push(chunk);
        else this.body += chunk;
      });
      response.on("close", () => {
        markEnded();
        this.notify();
      });
      // A stream is ready at its head; a refusal once its error body has arrived.
      if (this.status === 200) ready(this);
      else response.on("end", () => ready(this));
    });
    req.on("error", () => {
      markEnded();
      this.notify();
      ready(this);
    });
  }

  static open(url: string, options: SseClientOptions = {}): Promise<SseClient> {
    return new Promise((resolve) => {
      const headers: Record<string, string> = { accept: "text/event-stream" };
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
      if (options.lastEventId !== undefined) headers["last-event-id"] = options.lastEventId;
      const req = request(url, { headers, agent: false });
      new SseClient(req, resolve, options.paused === true);
      req.end();
    });
  }

  resume(): void {
    this.response?.resume();
  }

  close(): void {
    this.req.destroy();
  }

  json<T>(): T {
    return JSON.parse(this.body) as T;
  }

  /** Waits until `predicate` holds (checked on every event, comment and close), at most `ms`. */
  async until(predicate: () => boolean, ms = 5000, what = "the expected events"): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what}; got ${JSON.stringify(this.events.map((e) => `${e.event}#${e.id ?? ""}`))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Events of one type, their data parsed. */
  data<T>(event: string): T[] {
    return this.events.filter((e) => e.event === event).map((e) => JSON.parse(e.data) as T);
  }

  private notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
