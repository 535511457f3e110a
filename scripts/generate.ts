import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadTopology } from "../contracts/topology-file.js";
import { renderGeneratedFiles } from "./generated-files.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** `npm run generate` writes the KEDA manifests and Bicep parameters from topology/fleet.yaml;
 * `npm run generate -- --check` writes nothing and fails listing every stale or missing file. */
function main(): number {
  const check = process.argv.includes("--check");
  const files = renderGeneratedFiles(loadTopology());
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
