import { ApiError, authHeaders, errorOf, UNREACHABLE_MESSAGE } from "./api-client.js";
import { session } from "./session.js";
import { type SseMessage, SseParser } from "./sse-parser.js";

/**
 * What the connection indicator shows. Never degrade silently: every state is visible.
 * - connecting: the first attempt.
 * - live: the stream is open; events arrive as they happen.
 * - reconnecting: the stream dropped; retrying with Last-Event-ID, so nothing will be missed.
 * - polling: streams are refused or keep failing; the page polls instead and keeps retrying.
 * - stopped: the server refused for good (unknown job, signed out); `detail` says why.
 */
export type ConnectionState = "connecting" | "live" | "reconnecting" | "polling" | "stopped";

export interface ConnectionStatus {
  state: ConnectionState;
  /** Why, in the server's words where it gave any. */
  detail?: string;
  since: number;
}

export interface LiveStreamOptions {
  /** The stream's path, e.g. /fleet/events/stream. */
  path: string;
  onMessage(message: SseMessage): void;
  /** Resume point to start from (the id of the last event already shown). */
  lastEventId?: string;
  /** While the stream cannot be had: fetch what was missed (given the last id), return the new last id. */
  poll?: (lastEventId: string | undefined) => Promise<string | undefined>;
  pollEveryMs?: number;
  /** No byte for this long (the server sends a heartbeat every 15 s) means a dead connection. */
  silenceMs?: number;
}

const MAX_BACKOFF_MS = 15_000;
/** Failed attempts in a row after which the page polls while it keeps retrying. */
const POLL_AFTER_FAILURES = 2;

/**
 * One Server-Sent Events stream over fetch (an EventSource cannot send the Authorization header,
 * and a token must never go in a URL). Reconnects by itself with backoff and Last-Event-ID, so a
 * dropped connection loses nothing; falls back to polling while streams are refused; reports its
 * state to whoever shows it.
 */
export class LiveStream {
  private status: ConnectionStatus = { state: "connecting", since: Date.now() };
  private readonly listeners = new Set<(status: ConnectionStatus) => void>();
  private controller: AbortController | undefined;
  private closed = false;
  private lastId: string | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: LiveStreamOptions) {
    this.lastId = options.lastEventId;
  }

  get connection(): ConnectionStatus {
    return this.status;
  }

  get lastEventId(): string | undefined {
    return this.lastId;
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.listeners.add(listener);
    listener(this.status);
    return () => this.listeners.delete(listener);
  }

  start(): this {
    void this.run();
    return this;
  }

  close(): void {
    this.closed = true;
    this.controller?.abort();
    this.wake?.();
    this.listeners.clear();
  }

  /** Drops the connection now (the test hook for "the network went away" is the network itself;
   * this is for the page: e.g. after the tab was hidden for long). */
  reconnect(): void {
    this.controller?.abort();
    this.wake?.();
  }

  private set(state: ConnectionState, detail?: string): void {
    if (this.status.state === state && this.status.detail === detail) return;
    this.status = { state, ...(detail === undefined ? {} : { detail }), since: Date.now() };
    for (const listener of this.listeners) listener(this.status);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      let waitMs: number | undefined;
      let detail: string | undefined;
      try {
        const outcome = await this.connectOnce();
        if (outcome.kind === "stop") {
          this.set("stopped", outcome.detail);
          return;
        }
        // The stream was open and ended (server restart, a proxy cut it, we were too slow).
        failures = outcome.wasLive ? 0 : failures + 1;
        detail = outcome.detail;
        waitMs = outcome.retryAfterMs;
      } catch (error) {
        if (this.closed) return;
        failures++;
        detail = error instanceof ApiError ? error.message : UNREACHABLE_MESSAGE;
        waitMs = error instanceof ApiError && error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : undefined;
        if (error instanceof ApiError && error.status === 429) failures = Math.max(failures, POLL_AFTER_FAILURES);
      }
      if (this.closed) return;
      const backoff = waitMs ?? Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(failures, 5)) * (0.8 + Math.random() * 0.4);
      if (this.options.poll !== undefined && failures >= POLL_AFTER_FAILURES) await this.pollFor(backoff, detail);
      else {
        this.set("reconnecting", detail);
        await this.sleep(backoff);
      }
    }
  }

  /** Polls every pollEveryMs until it is time to try the stream again. */
  private async pollFor(ms: number, detail: string | undefined): Promise<void> {
    const until = Date.now() + Math.max(ms, 1000);
    const every = this.options.pollEveryMs ?? 3000;
    this.set("polling", detail === undefined ? "the live stream is unavailable; polling meanwhile" : `${detail}; polling meanwhile`);
    while (!this.closed && Date.now() < until) {
      try {
        this.lastId = await this.options.poll!(this.lastId);
      } catch {
        // The poll failed too: the indicator already says we are not live; try again shortly.
      }
      await this.sleep(Math.min(every, Math.max(0, until - Date.now())));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async connectOnce(): Promise<{ kind: "stop"; detail: string } | { kind: "ended"; wasLive: boolean; detail?: string; retryAfterMs?: number }> {
    if (session.token() === undefined) return { kind: "stop", detail: "signed out" };
    const controller = new AbortController();
    this.controller = controller;
    const response = await fetch(this.options.path, {
      headers: authHeaders({ accept: "text/event-stream", ...(this.lastId === undefined ? {} : { "last-event-id": this.lastId }) }),
      cache: "no-store",
      signal: controller.signal,
    });
    if (!response.ok) {
      const error = await errorOf(response);
      if (response.status === 401) {
        session.signOut(error.message);
        return { kind: "stop", detail: error.message };
      }
      // Asking again will not change the answer (no such job, a bad filter, no permission).
      if (response.status === 400 || response.status === 403 || response.status === 404) return { kind: "stop", detail: error.message };
      throw error;
    }
    if (response.body === null) throw new ApiError(0, "NO_BODY", "the coordinator answered the stream without a body");
    this.set("live");
    let endedWith: string | undefined;
    const parser = new SseParser(
      {
        onMessage: (message) => {
          if (message.event === "error") {
            // The server's last word before it closes the stream: say why, then resume.
            endedWith = (JSON.parse(message.data) as { message?: string }).message ?? "the coordinator closed the stream";
            return;
          }
          this.options.onMessage(message);
        },
      },
      this.lastId,
    );
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const silence = this.options.silenceMs ?? 40_000;
    let watchdog = setTimeout(() => controller.abort(), silence);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        clearTimeout(watchdog);
        watchdog = setTimeout(() => controller.abort(), silence);
        parser.push(value);
        this.lastId = parser.lastEventId;
      }
    } catch {
      // Aborted (silence, reconnect, close) or the connection broke: handled below.
    } finally {
      clearTimeout(watchdog);
    }
    return { kind: "ended", wasLive: true, detail: endedWith ?? "the connection to the coordinator dropped" };
  }
}
