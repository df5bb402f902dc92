/**
 * Delivery to one channel: console/log (pino), file (one JSON line per
 * message), generic webhook (POST JSON) and Slack-compatible webhook
 * ({text, blocks}). Every delivery carries an idempotency key (NotificationRequest
 * uid + channel) — the Idempotency-Key header, or a field of the line — so a
 * receiver can drop the copy sent again after a crash between sending and
 * recording the attempt.
 */
import { appendFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { ChannelConfig } from './config.js';

export interface Message {
  name: string;
  namespace: string;
  type: string;
  priority: string;
  subject: string;
  body: string;
  severity?: string;
  remediationRequest?: string;
  environment: string;
  context?: unknown;
}

export interface Delivery {
  status: 'success' | 'failed' | 'timeout' | 'invalid';
  error?: string;
}

export async function deliver(
  channel: string,
  cfg: ChannelConfig | undefined,
  msg: Message,
  idempotencyKey: string,
  deps: { logger: Logger; timeoutMs: number },
): Promise<Delivery> {
  if (!cfg) return { status: 'invalid', error: `channel ${channel} is not configured` };
  try {
    switch (cfg.type) {
      case 'console':
        deps.logger.info({ notification: msg, idempotencyKey }, `[${msg.priority}] ${msg.subject}`);
        return { status: 'success' };
      case 'file':
        await appendFile(
          cfg.path,
          `${JSON.stringify({ idempotencyKey, sentAt: new Date().toISOString(), ...msg })}\n`,
        );
        return { status: 'success' };
      case 'webhook':
        return await post(
          cfg.url,
          { idempotencyKey, notification: msg },
          idempotencyKey,
          deps.timeoutMs,
          cfg.headers,
        );
      case 'slack':
        return await post(cfg.url, slackPayload(msg), idempotencyKey, deps.timeoutMs);
    }
  } catch (err) {
    return { status: 'failed', error: String((err as Error).message ?? err) };
  }
}

async function post(
  url: string,
  payload: unknown,
  idempotencyKey: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<Delivery> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    if (res.ok) return { status: 'success' };
    // A 4xx other than 408/429 will not get better by sending the same thing again.
    const permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
    return {
      status: permanent ? 'invalid' : 'failed',
      error: `HTTP ${res.status} from ${new URL(url).host}`,
    };
  } catch (err) {
    const e = err as Error;
    if (e.name === 'TimeoutError') return { status: 'timeout', error: `no answer within ${timeoutMs} ms` };
    return { status: 'failed', error: e.message };
  }
}

const EMOJI: Record<string, string> = {
  Critical: ':rotating_light:',
  High: ':warning:',
  Medium: ':bell:',
  Low: ':information_source:',
};

export function slackPayload(msg: Message) {
  const text = `${EMOJI[msg.priority] ?? ''} [${msg.priority}] ${msg.subject}`.trim();
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: msg.subject.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: msg.body.slice(0, 3000) } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `*${msg.type}* · priority ${msg.priority} · ${msg.environment}${msg.remediationRequest ? ` · ${msg.remediationRequest}` : ''}`,
          },
        ],
      },
    ],
  };
}
