/**
 * The Temporal SDK's logger (worker, workflow and activity messages) as pino lines,
 * so they join the process's other JSON lines and, like them, carry the remediation's
 * fields (docs/tracing.md#logs): a message about workflow `rr/<namespace>/<name>` gets
 * `rr`, `namespace` and `workflowId`; `traceId` comes from the pino logger's
 * traceIdMixin when a span is active (activities run inside the OpenTelemetry
 * interceptor's span). The SDK's own metadata (runId, activityType, attempt,
 * sdkComponent, …) stays on the line; its Temporal `namespace` becomes
 * `temporalNamespace` on a remediation's line, where `namespace` is the RR's.
 */
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger as Pino } from 'pino';
import { remediationOfWorkflowId } from '../remediation-messages.js';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly pino: Pino) {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    const rr = remediationOfWorkflowId(meta.workflowId);
    // The SDK's `namespace` is Temporal's; on a remediation's line `namespace` is the RR's.
    const { namespace, ...rest } = meta;
    const fields = rr
      ? { ...rest, ...(namespace === undefined ? {} : { temporalNamespace: namespace }), ...rr }
      : meta;
    this.pino[LEVELS[level] ?? 'info'](fields, message);
  }
  trace(message: string, meta?: LogMetadata) {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata) {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata) {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata) {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata) {
    this.log('ERROR', message, meta);
  }
}
