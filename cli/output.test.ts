import { describe, expect, it } from "vitest";
import { ago, createOutput, paintStage, renderTable } from "./output.js";

const streams = (tty: boolean, env: Record<string, string> = {}) => ({ stdout: { write: () => true, isTTY: tty }, stderr: { write: () => true, isTTY: tty }, env });

describe("CLI output", () => {
  it("aligns columns on the widest cell, colour codes not counted", () => {
    const colour = createOutput(streams(true), false);
    const table = renderTable(["A", "STAGE", "C"], [["x", paintStage(colour, "shipped"), "1"], ["longer", "queued", "22"]]);
    const plain = table.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "");
    expect(plain.split("\n")).toEqual(["A       STAGE    C", "x       shipped  1", "longer  queued   22"]);
  });

  it("colours only on a terminal, never with NO_COLOR or --json", () => {
    expect(createOutput(streams(true), false).color).toBe(true);
    expect(createOutput(streams(false), false).color).toBe(false);
    expect(createOutput(streams(true, { NO_COLOR: "1" }), false).color).toBe(false);
    expect(createOutput(streams(true), true).color).toBe(false);
    expect(paintStage(createOutput(streams(false), false), "failed")).toBe("failed");
  });

  it("gives times relative to now", () => {
    const now = Date.parse("2026-01-31T10:00:00Z");
    expect(ago("2026-01-31T09:59:30Z", now)).toBe("30s ago");
    expect(ago("2026-01-31T09:15:00Z", now)).toBe("45m ago");
    expect(ago("2026-01-30T09:00:00Z", now)).toBe("1d ago");
  });
});
