import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';

/** Screenshots for docs/screenshots, taken only when PLENUM_SCREENSHOTS_DIR names a directory (never in CI). */
export async function shoot(page: Page, name: string): Promise<void> {
  const dir = process.env.PLENUM_SCREENSHOTS_DIR;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), animations: 'disabled' });
}
