import { Command, Option } from "commander";
import { registerDeadLetterCommands } from "./commands/dlq.js";
import { registerJobCommands } from "./commands/jobs.js";
import { registerLoadCommand } from "./commands/load.js";
import { registerPoolCommands } from "./commands/pools.js";
import { registerArtifactCommands } from "./commands/artifacts.js";
import { registerReviewPolicyCommands } from "./commands/review-policy.js";
import type { CliIo } from "./context.js";
import { EXIT_CODES_HELP } from "./exit-codes.js";

const CONNECTION_HELP = `Connection (first found wins):
  --url, --token                 on the command line
  FLEET_URL, FLEET_TOKEN         in the environment
  a profile in $FLEET_CONFIG or ~/.config/fleet/config.json:
    { "default": "local", "profiles": { "local": { "url": "http://127.0.0.1:8080", "token": "op-..." } } }
  chosen by --profile NAME or FLEET_PROFILE (else the file's default). The URL defaults to http://127.0.0.1:8080.`;

/** The whole `fleet` command tree. Each command's action gets the context of its own run. */
export function buildProgram(io: CliIo): Command {
  const program = new Command("fleet")
    .description("Operate Fleet Dispatch from a terminal: submit and inspect jobs, dead letters and pools, and load-test a coordinator.")
    .option("--url <url>", "coordinator URL (or FLEET_URL)")
    .option("--token <token>", "operator token (or FLEET_TOKEN)")
    .option("--profile <name>", "profile of the config file (or FLEET_PROFILE)")
    .addOption(new Option("--json", "machine-readable output: one JSON document (NDJSON for watch commands)"))
    .showHelpAfterError("(add --help for usage)")
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .addHelpText("after", `\n${CONNECTION_HELP}\n\nOutput: aligned tables on stdout, diagnostics on stderr; colour only on a terminal, never with NO_COLOR.\n\n${EXIT_CODES_HELP}\n`);
  registerJobCommands(program, io);
  registerDeadLetterCommands(program, io);
  registerPoolCommands(program, io);
  registerArtifactCommands(program, io);
  registerReviewPolicyCommands(program, io);
  registerLoadCommand(program, io);
  return program;
}

/** Every command of the tree, depth first, with its path ("jobs submit"). */
export function commandPaths(program: Command): string[][] {
  const paths: string[][] = [];
  const visit = (command: Command, path: string[]) => {
    paths.push(path);
    for (const sub of command.commands) visit(sub, [...path, sub.name()]);
  };
  visit(program, []);
  return paths;
}
