import { describe, expect, it } from "vitest";
import { percentile } from "./percentiles.js";
import { readSse } from "./sse-reader.js";

const streamOf = (...chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });

describe("Server-Sent Events", () => {
  it("parses messages split across chunks, with ids, names, multi-line data and comments", async () => {
    const messages = [];
    for await (const message of readSse(streamOf(": hello\n\nid: 3\nevent: job\ndata: {\"seq\":3,", "\"type\":\"accepted\"}\n\ndata: a\r\ndata: b\r\n\r\n"))) messages.push(message);
    expect(messages).toEqual([
      { id: "3", event: "job", data: '{"seq":3,"type":"accepted"}' },
      { event: "message", data: "a\nb" },
    ]);
  });
});

describe("percentiles", () => {
  it("uses the nearest rank", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });
});
