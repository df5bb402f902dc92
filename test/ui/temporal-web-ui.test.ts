import { existsSync, mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../lib/remediation-messages.js';
import { stackInfo } from '../harness/index.js';
import { useRemediationHarness } from '../harness/remediation.js';

// Debian's chromium (installed by .ci/run); no browser download. This suite runs only
// when named (`npm run test:ui`) and says in one line what is missing.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  throw new Error(
    `Chromium not found at ${CHROMIUM}: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH`,
  );
}

describe('Temporal Web UI as the window on remediations', () => {
  const h = useRemediationHarness();

  it('filtering by RemediationPhase="AwaitingApproval" shows the waiting remediation (screenshot saved)', async () => {
    const rr = await h.awaitingApproval();

    const ui = stackInfo().temporalUiUrl;
    expect(ui, 'the embedded dev server serves the Web UI').toBeTruthy();
    const query = encodeURIComponent('RemediationPhase="AwaitingApproval"');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
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
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
      const id = workflowIdFor(h.namespace, rr);
      // Visibility is eventually consistent: reload until the row shows, within a deadline.
      const deadline = Date.now() + 60_000;
      for (;;) {
        await page.goto(`${ui}/namespaces/${stackInfo().temporalNamespace}/workflows?query=${query}`, {
          waitUntil: 'domcontentloaded',
        });
        const found = await page
          .getByText(id)
          .first()
          .waitFor({ timeout: 5_000 })
          .then(() => true)
          .catch(() => false);
        if (found) break;
        if (Date.now() > deadline) throw new Error(`workflow ${id} never appeared in the Web UI list`);
      }
      mkdirSync('test-artifacts', { recursive: true });
      await page.screenshot({ path: 'test-artifacts/temporal-ui-awaiting-approval.png', fullPage: false });
      // The row is the remediation's workflow, shown as running.
      const row = page.locator(':is(tr, [role="row"])', { hasText: id }).first();
      const text = await row.innerText();
      expect(text).toContain('Running');
      expect(text).toContain('remediationWorkflow');
    } finally {
      await browser.close();
    }
  });
});
