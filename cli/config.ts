import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { usageError } from "./exit-codes.js";

export const DEFAULT_URL = "http://127.0.0.1:8080";

const Profile = z.object({ url: z.string().url().optional(), token: z.string().min(1).optional() }).strict();
const ConfigFile = z.union([
  z.object({ default: z.string().optional(), profiles: z.record(z.string(), Profile) }).strict(),
  Profile,
]);

export interface Connection {
  url: string;
  token: string | undefined;
  /** Where each value came from, for error messages. */
  source: { url: string; token: string };
}

export interface ConnectionFlags {
  url?: string;
  token?: string;
  profile?: string;
}

/** `$FLEET_CONFIG`, else `~/.config/fleet/config.json` (honouring XDG_CONFIG_HOME). */
export function configPath(env: NodeJS.ProcessEnv): string {
  if (env.FLEET_CONFIG !== undefined && env.FLEET_CONFIG !== "") return env.FLEET_CONFIG;
  const base = env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== "" ? env.XDG_CONFIG_HOME : join(homedir(), ".config");
  return join(base, "fleet", "config.json");
}

/**
 * Where to connect and with which token: flags first, then FLEET_URL / FLEET_TOKEN, then the profile
 * file (the profile named by --profile or FLEET_PROFILE, else the file's default). A profile asked
 * for by name must exist; the file itself is optional.
 */
export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv): Connection {
  const path = configPath(env);
  const wanted = flags.profile ?? (env.FLEET_PROFILE === "" ? undefined : env.FLEET_PROFILE);
  const profile = readProfile(path, wanted);
  const pick = (flag: string | undefined, variable: string, fromProfile: string | undefined, fallback?: string) => {
    if (flag !== undefined) return { value: flag, source: "the command line" };
    const fromEnv = env[variable];
    if (fromEnv !== undefined && fromEnv !== "") return { value: fromEnv, source: variable };
    if (fromProfile !== undefined) return { value: fromProfile, source: `profile '${profile.name}' in ${path}` };
    return { value: fallback, source: "the default" };
  };
  const url = pick(flags.url, "FLEET_URL", profile.values?.url, DEFAULT_URL);
  const token = pick(flags.token, "FLEET_TOKEN", profile.values?.token);
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url.value!);
  } catch {
    throw usageError(`the coordinator URL '${url.value}' (from ${url.source}) is not a URL`, "give one such as http://127.0.0.1:8080");
  }
  if (parsedUrl.protocol !== "http:" && parsedUrl.protocol !== "https:") {
    throw usageError(`the coordinator URL '${url.value}' (from ${url.source}) must be http or https`);
  }
  return { url: url.value!.replace(/\/+$/, ""), token: token.value, source: { url: url.source, token: token.source } };
}

function readProfile(path: string, wanted: string | undefined): { name: string; values?: z.infer<typeof Profile> } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw usageError(`cannot read the config file ${path}: ${(error as Error).message}`);
    if (wanted !== undefined) throw usageError(`profile '${wanted}' asked for, but there is no config file ${path}`, "create it, or set FLEET_CONFIG to yours");
    return { name: "none" };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw usageError(`the config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = ConfigFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw usageError(`the config file ${path} is invalid at ${issue?.path.join(".") || "its top level"}: ${issue?.message ?? "unknown problem"}`, 'expected { "default": "local", "profiles": { "local": { "url": "...", "token": "..." } } }');
  }
  const file = parsed.data;
  if (!("profiles" in file)) {
    if (wanted !== undefined) throw usageError(`profile '${wanted}' asked for, but ${path} has no profiles`);
    return { name: "(top level)", values: file };
  }
  const name = wanted ?? file.default;
  if (name === undefined) return { name: "none" };
  const values = file.profiles[name];
  if (values === undefined) {
    throw usageError(`no profile '${name}' in ${path}`, `profiles there: ${Object.keys(file.profiles).join(", ") || "none"}`);
  }
  return { name, values };
}
