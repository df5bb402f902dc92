/**
 * A real HTTP server on loopback that receives notifications: it records every
 * request and answers each path as the test scripts it (fail n times, always
 * fail, succeed).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** Requests to `path` whose Idempotency-Key has not been seen before on that path. */
  distinct(path: string): Received[];
  /** Answer `path` with `status` for the next `times` requests (forever when omitted). */
  answer(path: string, status: number, times?: number): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const scripts = new Map<string, { status: number; times?: number }[]>();
  const server = createServer(async (req, res) => {
    let text = '';
    for await (const c of req) text += c;
    const path = req.url ?? '/';
    received.push({ path, headers: req.headers, body: text ? JSON.parse(text) : undefined });
    const script = scripts.get(path) ?? [];
    const step = script[0];
    let status = 200;
    if (step) {
      status = step.status;
      if (step.times !== undefined && --step.times <= 0) script.shift();
    }
    res.statusCode = status;
    res.end(status < 300 ? 'ok' : 'nope');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    distinct(path) {
      const seen = new Set<string>();
      return received.filter((r) => {
        const key = String(r.headers['idempotency-key']);
        if (r.path !== path || seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    },
    answer(path, status, times) {
      scripts.set(path, [...(scripts.get(path) ?? []), { status, times }]);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
