// npm runs this after `npm ci` and `npm install` (the `prepare` script): it builds the operator
// console. A production install (`--omit=dev`) has neither vite nor tsx; there the console is
// built in the image's build stage instead, so this says so and succeeds.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
if (!existsSync(`${root}/node_modules/vite`) || !existsSync(`${root}/node_modules/tsx`)) {
  process.stdout.write("skipping the console build: dev dependencies are not installed (npm ci --omit=dev)\n");
  process.exit(0);
}
const { register } = await import("tsx/esm/api");
register();
await import("./cli.ts");
