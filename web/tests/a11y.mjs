// Accessibility checks for the browser tests: axe-core (from node_modules)
// injected into the page, run on the whole document, and its critical and
// serious violations returned in words a failing assertion can print.

import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The impacts a view may not have. */
export const BLOCKING = ['critical', 'serious'];

/**
 * Runs axe-core on the page and returns the critical and serious violations,
 * each as "rule-id (impact): help — selector, selector".
 * @param {import('playwright-core').Page} page
 * @returns {Promise<string[]>}
 */
export async function axeViolations(page) {
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  // Evaluated, not added as a <script>: the server's Content-Security-Policy
  // (script-src 'self') refuses inline scripts, as it should.
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  });
  return violations
    .filter((v) => BLOCKING.includes(v.impact))
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.targets.join(', ')}`);
}
