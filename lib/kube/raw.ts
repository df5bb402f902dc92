/**
 * Raw JSON requests to the API server, authenticated from the kubeconfig. For
 * bodies the typed client would mangle: its serializer maps TypeScript property
 * names, so keys such as `x-kubernetes-validations` in a CRD would be dropped.
 */
import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export class KubeHttpError extends Error {
  constructor(
    readonly code: number,
    readonly body: unknown,
    message: string,
  ) {
    super(message);
  }
}

export async function kubeRequest<T = unknown>(
  kc: KubeConfig,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
  /** The Accept header; `kubectl get` asks for a Table (application/json;as=Table;g=meta.k8s.io;v=v1). */
  accept = 'application/json',
): Promise<T> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(path, cluster.server);
  const opts: import('node:https').RequestOptions = { method, headers: { accept } };
  await kc.applyToHTTPSOptions(opts);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  if (payload)
    Object.assign(opts.headers!, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(payload),
    });
  return new Promise<T>((resolve, reject) => {
    const req = request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // keep text
        }
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(parsed as T);
        else {
          const msg = (parsed as { message?: string })?.message ?? text;
          reject(new KubeHttpError(status, parsed, `${method} ${url.pathname}: HTTP ${status}: ${msg}`));
        }
      });
    });
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}
