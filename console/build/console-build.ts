import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type InlineConfig } from "vite";

/** The console's folder, its sources and what the build writes (git-ignored, never committed). */
export const CONSOLE_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const CONSOLE_APP_DIR = join(CONSOLE_ROOT, "dist", "app");
export const CHAOS_REPORT_BUNDLE = join(CONSOLE_ROOT, "dist", "report", "chaos-report.js");
export const CHAOS_REPORT_STYLES = join(CONSOLE_ROOT, "dist", "report", "chaos-report.css");

const shared: InlineConfig = {
  configFile: false,
  logLevel: "warn",
  root: CONSOLE_ROOT,
  // JSX compiles to Preact's automatic runtime; no framework plugin is needed.
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
};

/**
 * Builds the console (the single-page app served at /ui) and the chaos report renderer (one
 * self-contained script the live chaos HTML report inlines). Everything is bundled from
 * node_modules: nothing is fetched from a CDN at run time.
 */
export async function buildConsole(): Promise<void> {
  await build({
    ...shared,
    base: "/ui/",
    build: { outDir: CONSOLE_APP_DIR, emptyOutDir: true, target: "es2022", sourcemap: false, chunkSizeWarningLimit: 400 },
  });
  await build({
    ...shared,
    build: {
      outDir: join(CONSOLE_ROOT, "dist", "report"),
      emptyOutDir: true,
      target: "es2022",
      lib: { entry: join(CONSOLE_ROOT, "src", "reports", "report-entry.tsx"), formats: ["iife"], name: "FleetChaosReport", fileName: () => "chaos-report.js", cssFileName: "chaos-report" },
    },
  });
}

/** Whether the build output exists and is newer than every source file. */
export function consoleBuildIsCurrent(): boolean {
  const outputs = [join(CONSOLE_APP_DIR, "index.html"), CHAOS_REPORT_BUNDLE, CHAOS_REPORT_STYLES];
  if (!outputs.every((file) => existsSync(file))) return false;
  const built = Math.min(...outputs.map((file) => statSync(file).mtimeMs));
  return newestSource([join(CONSOLE_ROOT, "src"), join(CONSOLE_ROOT, "index.html"), join(CONSOLE_ROOT, "build")]) <= built;
}

/** Builds the console unless the build is current; `log` hears what happens. */
export async function ensureConsoleBuilt(log: (line: string) => void = () => undefined): Promise<void> {
  if (consoleBuildIsCurrent()) return;
  log("building the operator console (console/dist)...\n");
  const started = Date.now();
  await buildConsole();
  log(`console built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

function newestSource(paths: string[]): number {
  let newest = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const stat = statSync(path);
    if (stat.isDirectory()) newest = Math.max(newest, newestSource(readdirSync(path).map((name) => join(path, name))));
    else newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}
