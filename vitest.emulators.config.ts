import { defineConfig } from "vitest/config";

/**
 * `npm run test:emulators`: the store and broker contract suites against Microsoft's emulators in
 * containers (testcontainers), where a container runtime answers; skipped with the reason where it
 * does not. Not part of `npm test` (its files are not *.test.ts). One file at a time: each starts
 * its own containers, and they are heavy.
 */
export default defineConfig({
  test: {
    include: ["test/emulators/**/*.emulator.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 1, minForks: 1 } },
    reporters: ["default"],
  },
});
