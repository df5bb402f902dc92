/**
 * docs/runbooks/ and the alerts agree, and every runbook is tried: each alert of
 * deploy/prometheus/rules.yml links a page that exists (also checked beside promtool,
 * test/deploy/prometheus-rules.test.ts), each page is linked by an alert and listed in
 * the README's table, and each names the test that reproduces it (a file in
 * test/runbooks/ that exists) between its first checks and its actions.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO } from '../deploy/manifests.js';

const DIR = join(REPO, 'docs/runbooks');
const pages = readdirSync(DIR).filter((f) => f.endsWith('.md') && f !== 'README.md');
const alerts = (
  parse(readFileSync(join(REPO, 'deploy/prometheus/rules.yml'), 'utf8')) as {
    groups: { rules: { alert: string; annotations: { runbook_url?: string } }[] }[];
  }
).groups.flatMap((g) => g.rules);

describe('runbooks', () => {
  it('every alert links an existing runbook page; every page is linked by an alert and listed in the README', () => {
    const readme = readFileSync(join(DIR, 'README.md'), 'utf8');
    for (const { alert, annotations } of alerts) {
      expect(annotations.runbook_url, alert).toMatch(/^docs\/runbooks\/[a-z-]+\.md$/);
      expect(existsSync(join(REPO, annotations.runbook_url!)), annotations.runbook_url).toBe(true);
      expect(readme, alert).toMatch(new RegExp(`${alert}.*\\]\\(${annotations.runbook_url!.slice(14)}\\)`));
    }
    expect(pages.length).toBeGreaterThanOrEqual(8);
    for (const page of pages)
      expect(
        alerts.some((a) => a.annotations.runbook_url === `docs/runbooks/${page}`),
        page,
      ).toBe(true);
  });

  it('every page names the test that reproduces it, and that test exists', () => {
    for (const page of pages) {
      const text = readFileSync(join(DIR, page), 'utf8');
      const m = /Reproduced by `(test\/runbooks\/[a-z-]+\.test\.ts)`/.exec(text);
      expect(m, `${page} names its reproduction`).not.toBeNull();
      expect(existsSync(join(REPO, m![1]!)), m![1]).toBe(true);
      // The reproduction comes after the first checks it runs, before the actions.
      const at = (h: string) => text.indexOf(h);
      expect(at('## First checks'), page).toBeGreaterThan(0);
      expect(m!.index, page).toBeGreaterThan(at('## First checks'));
      expect(m!.index, page).toBeLessThan(at('## Actions'));
    }
  });
});
