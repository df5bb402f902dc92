/**
 * The reconstruction's YAML emitter: any JSON-like value reads back as itself (with
 * the `yaml` library, as kubectl's reader would), strings that a YAML 1.1 reader
 * would take for booleans, nulls or numbers are quoted, and a rebuilt RR comes out
 * as the library would write it (but for multi-line strings, kept on one line).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { toYamlDocument } from '../../lib/reconstruct/yaml.js';

const readBack = (v: unknown) => parse(toYamlDocument(v), { schema: 'core' });

describe('reconstruction YAML', () => {
  it('every JSON value reads back as itself', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        expect(JSON.stringify(readBack(v))).toBe(JSON.stringify(v));
      }),
      { numRuns: 500 },
    );
  });

  it('every string, whatever its characters, reads back as itself as a value and as a key', () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.string({ unit: 'binary' }),
      fc.constantFrom(
        'yes',
        'No',
        'ON',
        'y',
        'null',
        'Null',
        '~',
        '0.90',
        '1e3',
        '0x1F',
        '0o17',
        '1_000',
        '1:20',
      ),
      fc.constantFrom(
        '.inf',
        '-.NaN',
        '- a',
        '? a',
        'a: b',
        'a #b',
        'a:',
        ' a',
        'a ',
        '',
        "it's",
        '"q"',
        '@x',
      ),
      fc.constantFrom('\u0085', '\u007f', '\u2028', '\ufeff', '\t', 'a\nb', '\r\n', '\\', '%TAG', '&a', '*a'),
    );
    fc.assert(
      fc.property(text, (s) => {
        expect(readBack(s)).toBe(s);
        expect(readBack({ [s]: s, n: [s, { [s]: [s] }] })).toEqual({ [s]: s, n: [s, { [s]: [s] }] });
      }),
      { numRuns: 2000 },
    );
  });

  it('quotes what a YAML 1.1 reader would not read as a string', () => {
    const y = toYamlDocument({ a: 'yes', b: 'off', c: 'Y', d: '0.90', e: '1:20', f: '007', g: 'true' });
    expect(y).toBe('a: "yes"\nb: "off"\nc: "Y"\nd: "0.90"\ne: "1:20"\nf: "007"\ng: "true"\n');
    expect(parse(y, { version: '1.1' })).toEqual({
      a: 'yes',
      b: 'off',
      c: 'Y',
      d: '0.90',
      e: '1:20',
      f: '007',
      g: 'true',
    });
  });

  it('writes a remediation request exactly as the yaml library would', () => {
    const rr = {
      apiVersion: 'kubernaut.ai/v1alpha1',
      kind: 'RemediationRequest',
      metadata: {
        name: 'rr-1',
        namespace: 'kubernaut-system',
        labels: { 'kubernaut.ai/reconstructed': 'true' },
        annotations: { 'kubernaut.ai/reconstructed-at': '2026-11-23T12:48:59.036Z' },
      },
      spec: {
        signalFingerprint: 'adc8f8fd26a8af0a43f1e5bc3517e38c3f1bd97fe9ce110d91f980bbacbed9a4',
        targetResource: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'cart', namespace: 'search' },
        signalLabels: {},
        signalAnnotations: {
          description: 'Pod of deployment cart restarted 8 times in 10 minutes.',
          runbook_url: 'https://runbooks.example/KubeMemoryPressure',
        },
        originalPayload: '{"status":"firing","labels":{"alertname":"KubeMemoryPressure"}}',
        skipped: undefined,
      },
      status: {
        timeoutConfig: { global: '1h', analyzing: '10m' },
        approval: { required: false },
        workflowSelection: { selectedWorkflowRef: { version: '1.0.0', executionBundle: 'builtin:restart' } },
        confidence: '0.90',
        deduplication: { occurrenceCount: 3 },
        completionStatus: {
          notificationRequestRefs: [{ kind: 'NotificationRequest', name: 'nr-1' }],
          failureReason: 'Failed: rollout "cart" timed out',
        },
        conditions: [{ type: 'Ready', status: 'True', message: 'Remediated: restart' }],
        blockedBy: [],
      },
    };
    expect(toYamlDocument(rr)).toBe(stringify(rr, { lineWidth: 0, minContentWidth: 0 }));
  });

  it('writes a multi-line string on one line, double-quoted (the library would use a block scalar)', () => {
    expect(toYamlDocument({ message: 'line one\nline "two"' })).toBe(
      'message: "line one\\nline \\"two\\""\n',
    );
  });
});
