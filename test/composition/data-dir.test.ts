import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CredentialsFile } from "../../coordinator/auth/credentials-file.js";
import { DEV_PRODUCT_ID, mintDevCredentials } from "../../coordinator/dev-credentials.js";
import { persistentDevCredentials } from "../../composition/data-dir.js";
import { testTopology } from "../support/topology-fixture.js";

describe("development credentials in the data directory", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "fleet-data-"));
    dirs.push(dir);
    return dir;
  };

  it("mints pool tokens for the development product, never for every product", () => {
    const dev = mintDevCredentials(testTopology());
    expect(dev.file.factories.map((f) => f.productId)).toEqual(["demo", "demo"]);
    expect(() => CredentialsFile.parse({ factories: [{ ...dev.file.factories[0], productId: "*" }] })).toThrow(/never span products/);
  });

  it("upgrades a directory whose pool tokens were written for product '*', keeping the tokens", () => {
    const dir = dataDir();
    const first = persistentDevCredentials(dir, testTopology());
    const path = join(dir, "credentials.json");
    const old = JSON.parse(readFileSync(path, "utf8"));
    for (const factory of old.factories) factory.productId = "*";
    writeFileSync(path, JSON.stringify(old));
    const again = persistentDevCredentials(dir, testTopology());
    expect(again.tokens).toEqual(first.tokens);
    const file = CredentialsFile.parse(JSON.parse(readFileSync(path, "utf8")));
    expect(new Set(file.factories.map((f) => f.productId))).toEqual(new Set([DEV_PRODUCT_ID]));
  });
});
