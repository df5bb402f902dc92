/**
 * The Temporal dev server (`temporal server start-dev`) on loopback, with its Web UI
 * and the project's custom search attributes registered at start.
 */
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_NAMES } from '../lib/search-attributes.js';
import { freePort, type ManagedProcess, startProcess, waitReady } from './processes.js';

export interface StartedTemporal {
  address: string;
  namespace: string;
  uiUrl: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Starts the dev server on free ports. A port is free when asked for and taken
 * when used: another stack starting at the same moment (parallel test files) can
 * take it in between, so a start that fails on "address already in use" is tried
 * again on new ports.
 */
export async function startTemporal(binary: string, workDir: string): Promise<StartedTemporal> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePorts(binary, workDir, attempt);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test(String(err))) throw err;
    }
  }
}

async function startOnFreePorts(binary: string, workDir: string, attempt: number): Promise<StartedTemporal> {
  const [port, uiPort, httpPort, metricsPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const namespace = 'default';
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--ui-ip',
    '127.0.0.1',
    '--ui-port',
    String(uiPort),
    '--http-port',
    String(httpPort),
    '--metrics-port',
    String(metricsPort),
    '--db-filename',
    join(workDir, attempt === 1 ? 'temporal.sqlite' : `temporal-${attempt}.sqlite`),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    // Remediations wait on approvals for minutes; keep the dev server from
    // throttling the many small signals a busy run produces.
    '--dynamic-config-value',
    'frontend.namespaceRPS=10000',
    ...SEARCH_ATTRIBUTE_NAMES.flatMap((name) => ['--search-attribute', `${name}=Keyword`]),
  ];
  const proc = startProcess('temporal', binary, args, join(workDir, 'temporal.log'));
  const address = `127.0.0.1:${port}`;
  await waitReady(proc, 'Temporal dev server', async () => {
    const conn = await Connection.connect({ address, connectTimeout: 1000 });
    try {
      const res = await conn.operatorService.listSearchAttributes({ namespace });
      const names = Object.keys(res.customAttributes ?? {});
      return SEARCH_ATTRIBUTE_NAMES.every((n) => names.includes(n));
    } finally {
      await conn.close();
    }
  });
  return {
    address,
    namespace,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    process: proc,
    stop: () => proc.stop(),
  };
}
