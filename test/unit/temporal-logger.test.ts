/**
 * The Temporal SDK's lines are pino JSON lines; those about a remediation carry the
 * same fields as every other line about it (docs/tracing.md#logs).
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { traceIdMixin } from '../../lib/tracing/log-fields.js';
import { PinoTemporalLogger } from '../../lib/tracing/temporal-logger.js';

function capture(level = 'trace') {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level, mixin: traceIdMixin },
    { write: (l: string) => void lines.push(JSON.parse(l)) },
  );
  return { lines, sdk: new PinoTemporalLogger(logger) };
}

describe('the Temporal SDK logger', () => {
  it("a workflow's line names the RR, its namespace and workflow; Temporal's namespace is kept apart", () => {
    const { lines, sdk } = capture();
    sdk.warn('Activity failed', {
      sdkComponent: 'worker',
      namespace: 'default',
      workflowId: 'rr/shop/high-memory-7f',
      runId: 'r-1',
      activityType: 'ensureChild',
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      msg: 'Activity failed',
      rr: 'high-memory-7f',
      namespace: 'shop',
      workflowId: 'rr/shop/high-memory-7f',
      temporalNamespace: 'default',
      runId: 'r-1',
      activityType: 'ensureChild',
      sdkComponent: 'worker',
    });
  });

  it('a line about anything else keeps the SDK metadata as given', () => {
    const { lines, sdk } = capture();
    sdk.info('Worker state changed', { sdkComponent: 'worker', namespace: 'default', state: 'RUNNING' });
    sdk.error('Schedule failed', { workflowId: 'audit-maintenance' });
    expect(lines[0]).toEqual(
      expect.objectContaining({
        level: 30,
        namespace: 'default',
        state: 'RUNNING',
        msg: 'Worker state changed',
      }),
    );
    expect(lines[0]).not.toHaveProperty('rr');
    expect(lines[1]).toMatchObject({ level: 50, workflowId: 'audit-maintenance' });
    expect(lines[1]).not.toHaveProperty('rr');
  });

  it("each SDK level maps to pino's, and the logger's level filters them", () => {
    const { lines, sdk } = capture('warn');
    sdk.log('TRACE', 't');
    sdk.log('DEBUG', 'd');
    sdk.log('INFO', 'i');
    sdk.log('WARN', 'w');
    sdk.log('ERROR', 'e');
    expect(lines.map((l) => [l.msg, l.level])).toEqual([
      ['w', 40],
      ['e', 50],
    ]);
  });

  it('with tracing off no line gets a trace id', () => {
    const { lines, sdk } = capture();
    sdk.info('x', { workflowId: 'rr/a/b' });
    expect(lines[0]).not.toHaveProperty('traceId');
  });
});
