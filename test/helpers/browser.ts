import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

/** Debian's Chromium (apt-get install chromium); override with CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where checkPage() writes its screenshots: <repo>/test-results/screenshots/<name>.png */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

/** The WCAG levels every Kontor page has to meet. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Launches the system Chromium headless, with everything that would phone home switched off. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A new browser context (its own cookies: one person) with one page in `locale`, every step waiting at most
 * `timeoutMs`; the browser tests' usual 1024 px wide window.
 */
export async function openPage(
  browser: Browser,
  locale: string,
  options: { timeoutMs: number; height?: number },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale, viewport: { width: 1024, height: options.height ?? 768 } });
  const page = await context.newPage();
  page.setDefaultTimeout(options.timeoutMs);
  page.setDefaultNavigationTimeout(options.timeoutMs);
  return { context, page };
}

export interface AxeViolationSummary {
  id: string;
  impact: string | null | undefined;
  help: string;
  helpUrl: string;
  targets: string[];
  html: string[];
}

export interface PageCheck {
  name: string;
  url: string;
  screenshot: string;
  violations: AxeViolationSummary[];
}

/** One line per violation and element: rule id, impact, help text and the element's selector and markup. */
export function formatViolations(check: PageCheck): string {
  if (!check.violations.length) return `${check.name} (${check.url}): no axe violations`;
  const lines = [`${check.name} (${check.url}): ${check.violations.length} axe violation(s)`];
  for (const violation of check.violations) {
    lines.push(`  [${violation.id}] (${violation.impact ?? 'n/a'}) ${violation.help} – ${violation.helpUrl}`);
    violation.targets.forEach((target, i) => {
      lines.push(`      ${target}: ${violation.html[i] ?? ''}`);
    });
  }
  return lines.join('\n');
}

/**
 * Saves a full-page screenshot to test-results/screenshots/<name>.png and runs axe-core (WCAG 2.1 A + AA)
 * on the page. Returns what it found without failing; see expectAccessible() for the asserting variant.
 * The page must come from browser.newContext().newPage(): @axe-core/playwright refuses browser.newPage() pages.
 */
export async function checkPage(page: Page, name: string): Promise<PageCheck> {
  await page.waitForLoadState('load');
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const screenshot = `${SCREENSHOT_DIR}${name}.png`;
  await page.screenshot({ path: screenshot, fullPage: true });
  const results = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze();
  const violations = results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    helpUrl: violation.helpUrl,
    targets: violation.nodes.map((node) => node.target.map(String).join(' ')),
    html: violation.nodes.map((node) => node.html),
  }));
  const check = { name, url: page.url(), screenshot, violations };
  if (violations.length) console.error(formatViolations(check));
  return check;
}

/** checkPage(), then throws (listing rule ids and elements) unless axe found zero violations. */
export async function expectAccessible(page: Page, name: string): Promise<PageCheck> {
  const check = await checkPage(page, name);
  if (check.violations.length) throw new Error(formatViolations(check));
  return check;
}
