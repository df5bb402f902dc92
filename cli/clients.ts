/**
 * How the CLI reaches its two backends: Temporal (one client per invocation, made on
 * first use and closed by main.ts on exit) and the API (HTTP with the configured
 * bearer token), with their failures turned into CliErrors and exit codes.
 */
import { Client, Connection } from '@temporalio/client';
import { ControlError } from '../lib/remediation-control.js';
import type { CliConfig } from './config.js';
import { CliError, EXIT } from './output.js';

let client: Client | undefined;

export async function temporal(c: CliConfig): Promise<Client> {
  if (client) return client;
  try {
    const connection = await Connection.connect({ address: c.temporalAddress, connectTimeout: 5000 });
    client = new Client({ connection, namespace: c.temporalNamespace });
    return client;
  } catch (err) {
    throw new CliError(
      `cannot reach Temporal at ${c.temporalAddress}: ${(err as Error).message}`,
      EXIT.unavailable,
    );
  }
}

/** Closes the Temporal connection, if one was made. */
export async function closeTemporal(): Promise<void> {
  await client?.connection.close();
}

export async function api<T>(c: CliConfig, method: string, path: string, body?: unknown): Promise<T> {
  if (!c.apiUrl) throw new CliError('no API URL: set --api-url or KUBERNAUT_API_URL', EXIT.usage);
  let res: Response;
  try {
    res = await fetch(new URL(path, c.apiUrl), {
      method,
      headers: {
        ...(c.apiToken ? { authorization: `Bearer ${c.apiToken}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new CliError(`cannot reach the API at ${c.apiUrl}: ${(err as Error).message}`, EXIT.unavailable);
  }
  const payload = (await res.json().catch(() => ({}))) as T & {
    detail?: string;
    title?: string;
    type?: string;
  };
  if (!res.ok) {
    const code =
      // An approval ladder refused the decider (I10): a refusal, not a usage error.
      res.status === 403 && payload.type?.endsWith('/approval-refused')
        ? EXIT.refused
        : res.status === 404
          ? EXIT.notFound
          : res.status === 409 || res.status === 400
            ? EXIT.refused
            : res.status === 401 || res.status === 403
              ? EXIT.usage
              : EXIT.unavailable;
    throw new CliError(payload.detail ?? payload.title ?? `HTTP ${res.status}`, code);
  }
  return payload;
}

/** A remediation-control failure as a CliError: not found, or refused. */
export function controlFailure(err: unknown): never {
  if (err instanceof ControlError)
    throw new CliError(err.message, err.kind === 'not-found' ? EXIT.notFound : EXIT.refused);
  throw err;
}
