/** One dispatched Server-Sent Event. `id` is the stream's last event id when it was dispatched. */
export interface SseMessage {
  event: string;
  data: string;
  id: string | undefined;
}

export interface SseParserHandlers {
  onMessage(message: SseMessage): void;
  /** A comment line (`: heartbeat ...`): proof the connection is alive. */
  onComment?(text: string): void;
  /** The server's suggested reconnection delay. */
  onRetry?(ms: number): void;
}

/**
 * The `text/event-stream` format as the HTML standard defines it, fed with text chunks as they
 * arrive (a line may be split across chunks): fields `event`, `data` (joined with newlines), `id`
 * (kept across events), `retry`; comments; LF, CRLF or CR line ends; an event is dispatched on a
 * blank line. Pure: no DOM, so the console and the tests share it.
 */
export class SseParser {
  private buffer = "";
  private eventType = "";
  private data: string[] = [];
  private lastId: string | undefined;
  private sawCr = false;

  constructor(
    private readonly handlers: SseParserHandlers,
    initialId?: string,
  ) {
    this.lastId = initialId;
  }

  get lastEventId(): string | undefined {
    return this.lastId;
  }

  push(chunk: string): void {
    let text = chunk;
    // A CRLF split across two chunks: the LF belongs to the CR already handled.
    if (this.sawCr && text.startsWith("\n")) text = text.slice(1);
    this.sawCr = false;
    this.buffer += text;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (match === null) break;
      if (match[0] === "\r" && match.index === this.buffer.length - 1) {
        // Could be the first half of a CRLF: take the line now and remember to drop a leading LF.
        this.sawCr = true;
      }
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === "") {
      this.dispatch();
      return;
    }
    if (line.startsWith(":")) {
      this.handlers.onComment?.(line.slice(1).trimStart());
      return;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.eventType = value;
        break;
      case "data":
        this.data.push(value);
        break;
      case "id":
        if (!value.includes("\u0000")) this.lastId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.handlers.onRetry?.(Number(value));
        break;
    }
  }

  private dispatch(): void {
    if (this.data.length === 0) {
      this.eventType = "";
      return;
    }
    const message: SseMessage = { event: this.eventType === "" ? "message" : this.eventType, data: this.data.join("\n"), id: this.lastId };
    this.eventType = "";
    this.data = [];
    this.handlers.onMessage(message);
  }
}
