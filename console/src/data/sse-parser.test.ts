import { describe, expect, it } from "vitest";
import { type SseMessage, SseParser } from "./sse-parser.js";

const parse = (chunks: string[], initialId?: string) => {
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const retries: number[] = [];
  const parser = new SseParser({ onMessage: (m) => messages.push(m), onComment: (c) => comments.push(c), onRetry: (ms) => retries.push(ms) }, initialId);
  for (const chunk of chunks) parser.push(chunk);
  return { messages, comments, retries, parser };
};

describe("SseParser", () => {
  it("dispatches events on blank lines with their type, data and the last id", () => {
    const { messages, parser } = parse(["id: 1\nevent: job.event\ndata: {\"a\":1}\n\n", "data: plain\n\n"]);
    expect(messages).toEqual([
      { event: "job.event", data: '{"a":1}', id: "1" },
      { event: "message", data: "plain", id: "1" },
    ]);
    expect(parser.lastEventId).toBe("1");
  });

  it("joins data lines, reads fields without a space or value, and ignores unknown fields", () => {
    const { messages } = parse(["data:one\ndata\ndata: three\nfoo: bar\n\n"]);
    expect(messages).toEqual([{ event: "message", data: "one\n\nthree", id: undefined }]);
  });

  it("handles lines and CRLFs split across chunks, and CR-only line ends", () => {
    const { messages } = parse(["id: 7\r", "\nevent: a\r\nda", "ta: x\r", "\r", "\ndata: y\r\r"]);
    expect(messages).toEqual([
      { event: "a", data: "x", id: "7" },
      { event: "message", data: "y", id: "7" },
    ]);
  });

  it("reports comments and retry, and drops an event without data", () => {
    const { messages, comments, retries } = parse([": heartbeat 2026\nretry: 2000\nretry: soon\nevent: nothing\n\n"]);
    expect(messages).toEqual([]);
    expect(comments).toEqual(["heartbeat 2026"]);
    expect(retries).toEqual([2000]);
  });

  it("keeps the id it was started with until the stream sends another", () => {
    const { messages } = parse(["data: a\n\nid: 9\ndata: b\n\n"], "4");
    expect(messages.map((m) => m.id)).toEqual(["4", "9"]);
  });
});
