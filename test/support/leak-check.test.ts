import { createServer } from "node:net";
import { describe, expect, it } from "vitest";

describe("the leak check", () => {
  it("sees a listening server as an active handle, and not once it is closed", async () => {
    const kinds = () => process.getActiveResourcesInfo().filter((kind) => kind === "TCPServerWrap").length;
    const before = kinds();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    expect(kinds()).toBe(before + 1);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    for (let i = 0; i < 20 && kinds() !== before; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(kinds()).toBe(before);
  });
});
