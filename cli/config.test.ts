import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configPath, DEFAULT_URL, resolveConnection } from "./config.js";

const dir = mkdtempSync(join(tmpdir(), "fleet-config-"));
const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
};

describe("where the CLI connects", () => {
  const profiles = file("profiles.json", { default: "prod", profiles: { prod: { url: "https://fleet.example.com", token: "op-prod.x" }, local: { url: "http://127.0.0.1:8080", token: "op-local.y" } } });

  it("takes flags over the environment over the profile, and the profile's default", () => {
    expect(resolveConnection({}, { FLEET_CONFIG: profiles })).toMatchObject({ url: "https://fleet.example.com", token: "op-prod.x" });
    expect(resolveConnection({ profile: "local" }, { FLEET_CONFIG: profiles })).toMatchObject({ url: "http://127.0.0.1:8080", token: "op-local.y" });
    expect(resolveConnection({}, { FLEET_CONFIG: profiles, FLEET_PROFILE: "local", FLEET_TOKEN: "env.t" })).toMatchObject({ token: "env.t", source: { token: "FLEET_TOKEN" } });
    expect(resolveConnection({ url: "http://flag:1/", token: "flag.t" }, { FLEET_CONFIG: profiles, FLEET_URL: "http://env:2" })).toMatchObject({ url: "http://flag:1", token: "flag.t" });
  });

  it("works with no file, a flat file, and XDG_CONFIG_HOME", () => {
    expect(resolveConnection({}, { FLEET_CONFIG: join(dir, "none.json") })).toMatchObject({ url: DEFAULT_URL, token: undefined });
    expect(resolveConnection({}, { FLEET_CONFIG: file("flat.json", { url: "http://flat:3", token: "t" }) })).toMatchObject({ url: "http://flat:3" });
    expect(configPath({ XDG_CONFIG_HOME: "/xdg" })).toBe("/xdg/fleet/config.json");
  });

  it("names the file and what is wrong with it", () => {
    expect(() => resolveConnection({ profile: "nope" }, { FLEET_CONFIG: profiles })).toThrow(`no profile 'nope' in ${profiles}`);
    expect(() => resolveConnection({ profile: "x" }, { FLEET_CONFIG: join(dir, "none.json") })).toThrow("there is no config file");
    expect(() => resolveConnection({}, { FLEET_CONFIG: file("bad.json", "{ nope") })).toThrow("is not valid JSON");
    expect(() => resolveConnection({}, { FLEET_CONFIG: file("wrong.json", { profiles: { a: { url: 3 } } }) })).toThrow("is invalid at");
    expect(() => resolveConnection({ url: "ftp://x" }, { FLEET_CONFIG: profiles })).toThrow("must be http or https");
    expect(() => resolveConnection({ url: "not a url" }, { FLEET_CONFIG: profiles })).toThrow("is not a URL");
  });
});
