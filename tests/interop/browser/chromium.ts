// deno-lint-ignore-file no-explicit-any
/**
 * Headless Chromium for the browser tests: Debian's `chromium` driven by
 * playwright-core (no browser download). Fails loudly when Chromium is
 * missing: CI installs it, and a skipped browser test would prove nothing.
 *
 * @module
 */

import { existsSync } from "node:fs";
import process from "node:process";
import { chromium } from "playwright-core";

/** Where Chromium is: CHROMIUM_PATH, else Debian's package. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Launches headless Chromium with the flags this closed network needs. */
export async function launch(): Promise<any> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  return await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}
