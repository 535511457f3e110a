import type { ServerResponse } from "node:http";
import type { StreamError } from "../../contracts/event-stream.js";

export interface SseStreamOptions {
  /** Bytes queued in this process for one client beyond what its socket took; past it the client
   * is told why and cut off, so a reader that stalls cannot grow the coordinator's memory. */
  maxBufferedBytes: number;
  heartbeatMs: number;
  /** The reconnection delay suggested to clients (the SSE `retry:` field). */
  retryMs: number;
  /** How long a cut-off client gets to read its final error before the socket is destroyed. */
  closeGraceMs: number;
}

/** One SSE frame. `data` is JSON on one line (JSON.stringify never emits a raw newline). */
export function sseFrame(event: string, data: unknown, id?: string | number): string {
  return `${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * One open Server-Sent Events response: writes frames, sends heartbeat comments so proxies keep an
 * idle stream open, and cuts the client off (with a final `event: error` naming the reason) when
 * more than `maxBufferedBytes` wait in memory for it.
 */
export class SseStream {
  private heartbeat: NodeJS.Timeout | undefined;
  private finished = false;
  private slow = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    private readonly raw: ServerResponse,
    private readonly options: SseStreamOptions,
  ) {
    raw.on("close", () => this.finish());
  }

  /** Sends the response head and starts the heartbeat. */
  open(): void {
    this.raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      // Reverse proxies (nginx and those that copy it) must not buffer a stream.
      "x-accel-buffering": "no",
    });
    this.raw.write(`retry: ${this.options.retryMs}\n: connected\n\n`);
    this.heartbeat = setInterval(() => this.write(`: heartbeat ${new Date().toISOString()}\n\n`), this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  get closed(): boolean {
    return this.finished;
  }

  /** Whether the stream was cut off because its client read too slowly. */
  get cutOff(): boolean {
    return this.slow;
  }

  onClose(listener: () => void): void {
    if (this.finished) listener();
    else this.closeListeners.push(listener);
  }

  /** Queues one frame; false when the stream is closed (or was just cut off for being slow). */
  write(frame: string): boolean {
    if (this.finished) return false;
    this.raw.write(frame);
    if (this.raw.writableLength > this.options.maxBufferedBytes) {
      this.slow = true;
      this.fail({
        code: "SLOW_CLIENT",
        message: `this client read too slowly: more than ${this.options.maxBufferedBytes} bytes of events waited for it, so the stream was closed; reconnect with Last-Event-ID to resume`,
      });
      return false;
    }
    return true;
  }

  /** Ends the stream after a final `event: error`. */
  fail(error: StreamError): void {
    if (this.finished) return;
    this.raw.write(sseFrame("error", error));
    this.end();
  }

  /** Ends the stream; a client that does not take its last bytes within the grace is dropped. */
  end(): void {
    if (this.finished) return;
    this.raw.end();
    const grace = setTimeout(() => this.raw.destroy(), this.options.closeGraceMs);
    grace.unref();
    this.raw.once("finish", () => clearTimeout(grace));
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}
