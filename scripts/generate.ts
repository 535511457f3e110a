import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadTopology } from "../contracts/topology-file.js";
import { renderGeneratedFiles } from "./generated-files.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

const HELP = `Usage: npm run generate [-- --check]

Writes the KEDA manifests (keda/generated/<pool>.yaml) and the Bicep parameters
(infra/bicep/generated/main.parameters.json) from topology/fleet.yaml.

Options:
  --check     write nothing; exit 1 listing every stale, missing or orphaned file
  -h, --help  print this help and exit

Environment: none. Exit codes: 0 done or up to date; 1 stale files (--check); 2 bad usage or an
invalid topology file.
`;

/** `npm run generate` writes the KEDA manifests and Bicep parameters from topology/fleet.yaml;
 * `npm run generate -- --check` writes nothing and fails listing every stale or missing file. */
function main(): number {
  let check: boolean;
  try {
    const { values } = parseArgs({ options: { check: { type: "boolean" }, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false });
    if (values.help === true) {
      process.stdout.write(HELP);
      return 0;
    }
    check = values.check === true;
  } catch (error) {
    process.stderr.write(`generate: ${error instanceof Error ? error.message : String(error)}; see npm run generate -- --help\n`);
    return 2;
  }
  let files: Map<string, string>;
  try {
    files = renderGeneratedFiles(loadTopology());
  } catch (error) {
    // The topology (or a name derived from it) is bad configuration: nothing is written.
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\nfix it and run npm run generate again\n`);
    return 2;
  }
  const stale: string[] = [];
  for (const [path, content] of files) {
    const full = join(ROOT, path);
    const current = existsSync(full) ? readFileSync(full, "utf8") : undefined;
    if (current === content) continue;
    if (check) stale.push(current === undefined ? `${path} (missing)` : path);
    else {
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
      process.stdout.write(`wrote ${path}\n`);
    }
  }
  const orphans = readdirSync(join(ROOT, "keda/generated"), { withFileTypes: true })
    .filter((entry) => entry.isFile() && !files.has(`keda/generated/${entry.name}`))
    .map((entry) => `keda/generated/${entry.name}`);
  if (check) {
    const problems = [...stale, ...orphans.map((o) => `${o} (no pool generates it)`)];
    if (problems.length > 0) {
      process.stderr.write(`generated files are out of date:\n${problems.map((p) => `  ${p}`).join("\n")}\nrun \`npm run generate\` and commit the result\n`);
      return 1;
    }
    process.stdout.write("generated files are up to date\n");
  } else if (orphans.length > 0) {
    process.stderr.write(`remove files no pool generates any more: ${orphans.join(", ")}\n`);
  }
  return 0;
}

process.exit(main());
