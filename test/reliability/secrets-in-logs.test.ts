/**
 * Security (DESIGN §12): secrets never appear in logs. The API and the worker run
 * as processes at their most verbose (LOG_LEVEL=debug, Temporal core at DEBUG),
 * configured with every kind of secret the product takes — the database password,
 * the audit HMAC key, API bearer tokens, the cluster token in the kubeconfig, the
 * analysis model's API key, a Slack webhook URL (its path is the secret) and a
 * webhook URL carrying a token — and are driven through the paths that log most:
 * a signal through the gateway, a refused token, a refused role, a bad body, an
 * analysis call that fails once, a notification that fails once, an approval.
 * Afterwards no secret's value occurs anywhere in either process's output.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KubeObjects } from '../../activities/kube-objects.js';
import { loadKubeConfig } from '../../lib/kube/client.js';
import { freePort } from '../../stack/processes.js';
import { alertmanagerPayload, deploymentWithPods, listRRs, podAlert } from '../gateway/gateway-fixtures.js';
import { databaseEnv, eventually, stackInfo, testNamespace, uniqueName } from '../harness/index.js';
import { startWebhookReceiver, type WebhookReceiver } from '../harness/webhook-receiver.js';
import { labelNamespace } from '../harness/workloads.js';

const secret = (what: string) => `${what}-${randomBytes(12).toString('hex')}`;

describe('secrets never appear in the logs of the API and the worker', () => {
  const s = stackInfo();
  const objects = new KubeObjects(loadKubeConfig(s.kubeconfigPath));
  const tokens = {
    writer: secret('writer-token'),
    reader: secret('reader-token'),
    approver: secret('approver-token'),
    wrong: secret('not-a-token'),
  };
  const hmacKey = secret('hmac');
  const llmKey = secret('sk');
  const slackPath = `/services/T0001/B0002/${secret('slack')}`;
  const webhookToken = secret('hook');
  const secrets: Record<string, string> = {
    ...tokens,
    hmacKey,
    llmKey,
    slackPath: slackPath.split('/').pop()!,
    webhookToken,
    databasePassword: decodeURIComponent(new URL(s.databaseUrl).password),
    // Each role's own (docs/database-roles.md): the processes are given all three.
    migrationPassword: decodeURIComponent(new URL(s.migrationDatabaseUrl).password),
    sequencerPassword: decodeURIComponent(new URL(s.sequencerDatabaseUrl).password),
    kubeToken: (parse(readFileSync(s.kubeconfigPath, 'utf8')) as { users: { user: { token: string } }[] })
      .users[0]!.user.token,
  };
  const procs: ChildProcess[] = [];
  const output = { api: '', worker: '' };
  let receiver: WebhookReceiver;
  let llm: Server;
  const llmCalls: (string | undefined)[] = [];
  let controller: string;
  let workloads: string;
  let base: string;

  /** Starts a process of the product and keeps all it prints. */
  async function start(
    which: 'api' | 'worker',
    script: string,
    env: NodeJS.ProcessEnv,
    ready: () => boolean | Promise<boolean>,
  ) {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, LOG_LEVEL: 'debug', TEMPORAL_LOG_LEVEL: 'DEBUG', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    procs.push(child);
    child.stdout!.on('data', (d) => (output[which] += d));
    child.stderr!.on('data', (d) => (output[which] += d));
    await eventually(
      `the ${which} to start`,
      async () => {
        if (child.exitCode !== null)
          throw new Error(`${which} exited ${child.exitCode}: ${output[which].slice(-2000)}`);
        return ready();
      },
      90_000,
      100,
    );
  }

  beforeAll(async () => {
    [controller, workloads] = await Promise.all([
      testNamespace('secrets-ctl'),
      testNamespace('secrets-prod'),
    ]);
    await labelNamespace(workloads, { 'kubernaut.ai/environment': 'production' });
    receiver = await startWebhookReceiver();
    receiver.answer(slackPath, 500, 1); // the first Slack delivery fails and is retried

    // The analysis model: fails its first call, then picks the catalog's restart.
    llm = createServer(async (req, res) => {
      for await (const _ of req);
      llmCalls.push(req.headers.authorization);
      if (llmCalls.length === 1) {
        res.statusCode = 500;
        res.end('upstream overloaded');
        return;
      }
      res.setHeader('content-type', 'application/json');
      const answer = {
        rootCause: 'the container exhausts its memory',
        signalType: 'crash-loop',
        contributingFactors: ['memory leak'],
        workflowId: 'restart-crashlooping-workload',
        confidence: 0.9,
        rationale: 'a restart clears the leak',
        parameters: {},
      };
      res.end(
        JSON.stringify({ choices: [{ message: { role: 'assistant', content: JSON.stringify(answer) } }] }),
      );
    });
    await new Promise<void>((r) => llm.listen(0, '127.0.0.1', r));

    const common = {
      ...databaseEnv(s),
      AUDIT_HMAC_KEY: hmacKey,
      TEMPORAL_ADDRESS: s.temporalAddress,
      TEMPORAL_NAMESPACE: s.temporalNamespace,
      KUBECONFIG: s.kubeconfigPath,
    };
    await start(
      'worker',
      'test/reliability/worker-on-queue.ts',
      {
        ...common,
        KUBERNAUT_TEST_TASK_QUEUE: uniqueName('secrets'),
        KUBERNAUT_WATCH_NAMESPACE: controller,
        KUBERNAUT_CONTROLLERS: 'all',
        KUBERNAUT_AI_PROVIDER: 'openai',
        KUBERNAUT_OPENAI_URL: `http://127.0.0.1:${(llm.address() as AddressInfo).port}/v1`,
        KUBERNAUT_OPENAI_MODEL: 'test-model',
        KUBERNAUT_OPENAI_API_KEY: llmKey,
        KUBERNAUT_NOTIFY_SLACK_URL: `${receiver.url}${slackPath}`,
        KUBERNAUT_NOTIFY_WEBHOOK_URL: `${receiver.url}/notify?token=${webhookToken}`,
        KUBERNAUT_NOTIFY_ROUTES: JSON.stringify([{ channels: ['console', 'slack', 'webhook'] }]),
      },
      () => output.worker.includes('[worker] running'),
    );
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    await start(
      'api',
      'api/main.ts',
      {
        ...common,
        API_HOST: '127.0.0.1',
        API_PORT: String(port),
        API_TOKENS: [
          `${tokens.writer}:alertmanager:writer:service`,
          `${tokens.reader}:rita:reader:user`,
          `${tokens.approver}:alice:approver,reader:user`,
        ].join(';'),
        KUBERNAUT_CONTROLLER_NAMESPACE: controller,
      },
      async () => (await fetch(`${base}/healthz`).catch(() => null))?.ok === true,
    );
  });
  afterAll(async () => {
    for (const p of procs) {
      if (p.exitCode !== null || p.signalCode !== null) continue;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
    await receiver?.close();
    await new Promise<void>((r) => (llm ? llm.close(() => r()) : r()));
  });

  const call = (method: string, path: string, token: string, body?: unknown) =>
    fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  it('signal → analysis (one failed model call) → approval notification (one failed Slack post) → approval: no secret in any log line', async () => {
    const web = uniqueName('web');
    const pods = await deploymentWithPods(workloads, web, 1);
    const signal = alertmanagerPayload([podAlert(workloads, pods[0]!)]);

    // Refusals: a token nobody issued (401), a reader writing (403), a bad body (400).
    expect((await call('POST', '/api/v1/signals/prometheus', tokens.wrong, signal)).status).toBe(401);
    expect((await call('POST', '/api/v1/signals/prometheus', tokens.reader, signal)).status).toBe(403);
    expect((await call('POST', '/api/v1/audit/events', tokens.writer, '{"event_type": ')).status).toBe(400);

    expect((await call('POST', '/api/v1/signals/prometheus', tokens.writer, signal)).status).toBeLessThan(
      300,
    );
    const rr = await eventually('the gateway to create the RR', async () => (await listRRs(controller))[0]);
    const name = rr.metadata.name;
    await eventually(
      'the RR to await approval',
      async () =>
        (await objects.get('remediationrequests', controller, name))?.status?.overallPhase ===
        'AwaitingApproval',
      120_000,
      250,
    );
    const approve = await call(
      'POST',
      `/api/v1/remediation-requests/${controller}/${name}/approve`,
      tokens.approver,
      {
        reason: 'checked the dashboards',
      },
    );
    expect(approve.status, await approve.clone().text()).toBe(200);
    const rar = await eventually(
      'the RAR to record the decision',
      async () => {
        const o = await objects.get('remediationapprovalrequests', controller, `rar-${name}`);
        return o?.status?.decision ? o : undefined;
      },
      60_000,
    );
    expect(rar.status).toMatchObject({ decision: 'Approved', decidedBy: 'alice' });
    await eventually(
      'the Slack notification to go through on its second try',
      async () => receiver.received.filter((r) => r.path === slackPath).length >= 2,
      60_000,
    );
    expect((await call('GET', `/api/v1/audit/events?correlation_id=${name}`, tokens.reader)).status).toBe(
      200,
    );

    // The paths ran: the model was called with the key (and failed once), the API
    // logged its refusals, the worker logged the notification it delivered.
    expect(llmCalls.length).toBeGreaterThanOrEqual(2);
    expect(llmCalls.every((a) => a === `Bearer ${llmKey}`)).toBe(true);
    expect(output.api).toContain('"statusCode":401');
    expect(output.worker).toContain(`nr-approval-${name}`);

    for (const [what, value] of Object.entries(secrets)) {
      expect(value.length, what).toBeGreaterThanOrEqual(8);
      expect(output.api.includes(value), `the API log contains the ${what}`).toBe(false);
      expect(output.worker.includes(value), `the worker log contains the ${what}`).toBe(false);
    }
  }, 300_000);
});
