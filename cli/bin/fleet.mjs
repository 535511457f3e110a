#!/usr/bin/env node
// The `fleet` command as installed by npm (package.json "bin"): plain Node cannot load the
// TypeScript sources, so register tsx's loader first, then run the CLI.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../fleet.ts");
process.exitCode = await main(process.argv.slice(2));
