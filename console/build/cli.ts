import { buildConsole } from "./console-build.js";

/** `npm run build:console` (and `npm ci`, through the prepare script). */
const started = Date.now();
buildConsole().then(
  () => process.stdout.write(`operator console built in ${((Date.now() - started) / 1000).toFixed(1)} s (console/dist)\n`),
  (error: unknown) => {
    process.stderr.write(`building the operator console failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
