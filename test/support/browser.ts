import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Debian's chromium (`apt-get install -y chromium`; .ci/run installs it when missing). */
export const CHROMIUM = "/usr/bin/chromium";
export const SCREENSHOTS = "reports/console";

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install -y chromium); the console's browser tests are skipped`;
}

export interface Browser {
  context: BrowserContext;
  page(): Promise<Page>;
  /** Saves a full-page screenshot under reports/console/<name>.png. */
  shot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, nothing phoning home, a desktop-sized window. */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "fleet-console-"));
  mkdirSync(SCREENSHOTS, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
  });
  return {
    context,
    async page() {
      const page = await context.newPage();
      // Fail a step with what it waited for, well before the test's own timeout.
      page.setDefaultTimeout(15_000);
      return page;
    },
    async shot(page, name) {
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
