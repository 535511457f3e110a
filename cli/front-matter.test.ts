import { describe, expect, it } from "vitest";
import { CliError } from "./exit-codes.js";
import { parseJobFile } from "./front-matter.js";

describe("job files", () => {
  it("reads YAML front-matter and the markdown after it", () => {
    const { fields, bodyMd } = parseJobFile("---\nkey: build-api\ntitle: Build\ncapabilities: lang:ts, os:linux\ndeps: [schema]\nbudget: { usd: 2 }\n---\n# Build\n\nText.\n", "f.md");
    expect(fields).toEqual({ idempotencyKey: "build-api", title: "Build", capabilities: ["lang:ts", "os:linux"], deps: ["schema"], budget: { usd: 2 } });
    expect(bodyMd).toBe("# Build\n\nText.");
  });

  it("takes a file without front-matter as all markdown, and Windows line ends", () => {
    expect(parseJobFile("# Just text\r\nmore\r\n", "f.md")).toEqual({ fields: {}, bodyMd: "# Just text\nmore" });
    expect(parseJobFile("---\r\ntitle: T\r\n---\r\nbody\r\n", "f.md")).toEqual({ fields: { title: "T" }, bodyMd: "body" });
  });

  it("names the file and the problem for bad front-matter, as bad usage", () => {
    const fail = (text: string) => {
      try {
        parseJobFile(text, "job.md");
      } catch (error) {
        expect(error).toBeInstanceOf(CliError);
        expect((error as CliError).exitCode).toBe(2);
        return (error as CliError).message;
      }
      throw new Error("expected a failure");
    };
    expect(fail("---\ntitle: x\n# no end")).toContain("job.md: the front-matter opened with '---' on the first line is never closed");
    expect(fail("---\n: : :\n---\nx")).toContain("job.md: the front-matter is not valid YAML");
    expect(fail("---\n- a\n- b\n---\nx")).toContain("must be a set of 'key: value' lines");
    expect(fail("---\nkey: a\nidempotencyKey: b\n---\nx")).toContain("either 'key' or 'idempotencyKey'");
  });
});
