/**
 * AIAnalysis controller options, without the workflow: the "no action required"
 * setting for unmatched signals, and the OpenAI-compatible provider against a
 * real HTTP server on loopback that answers like a chat-completions endpoint.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../activities/kube-objects.js';
import { type StatusView, useControllerHarness } from '../harness/controllers.js';
import { uniqueName } from '../harness/index.js';
import { createDeployment } from '../harness/workloads.js';

/** An AIAnalysis spec as the workflow writes it, for a Deployment in `namespace`. */
function analysisSpec(owner: KubeObject, namespace: string, target: string, signalName: string) {
  return {
    remediationRequestRef: {
      kind: 'RemediationRequest',
      name: owner.metadata.name,
      namespace,
      uid: owner.metadata.uid,
    },
    remediationId: owner.metadata.name,
    analysisRequest: {
      analysisTypes: ['Investigation', 'RootCause', 'WorkflowSelection'],
      signalContext: {
        fingerprint: 'f'.repeat(64),
        signalName,
        severity: 'warning',
        environment: 'Staging',
        businessPriority: 'P2',
        targetResource: { kind: 'Deployment', name: target, namespace },
        enrichmentResults: { kubernetesContext: { workload: { kind: 'Deployment', name: target } } },
      },
    },
  };
}

describe('catalog provider configured for "no action required" on unmatched signals', () => {
  const h = useControllerHarness({ enabled: ['aianalysis'], aiAnalysis: { noMatch: 'no-action' } });

  it('an unmatched signal completes with no selection and no review', async () => {
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    const rr = await h.createRR({ kind: 'Deployment', name: web, namespace: h.namespace });
    await h.createChild(
      'AIAnalysis',
      `ai-${rr.metadata.name}`,
      analysisSpec(rr, h.namespace, web, 'Unheard'),
      rr,
    );
    const s = await h.waitForStatus('AIAnalysis', `ai-${rr.metadata.name}`, (s) => s.phase === 'Completed');
    expect(s.rcaResult.selectedWorkflow).toBeUndefined();
    expect(s.review).toEqual({ needsHumanReview: false });
    expect(s.message).toMatch(/^No action required/);
  });
});

describe('OpenAI-compatible analysis provider', () => {
  let server: Server;
  let url = '';
  /** What the fake model answers next, keyed by the signal name it is asked about. */
  const answers = new Map<string, string>();
  const requests: { auth?: string; body: StatusView }[] = [];
  const readBody = async (req: IncomingMessage) => {
    let text = '';
    for await (const c of req) text += c;
    return JSON.parse(text);
  };
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const body = await readBody(req);
      requests.push({ auth: req.headers.authorization, body });
      const signal = JSON.parse(body.messages[1].content).signal.signalName as string;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({ choices: [{ message: { role: 'assistant', content: answers.get(signal) } }] }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const h = useControllerHarness({
    enabled: ['aianalysis'],
    aiAnalysis: {
      provider: {
        // Built lazily: the server's port is known only after beforeAll.
        name: 'openai-late',
        analyse: async (input) => {
          const { openAiProvider } = await import('../../workers/controllers/openai-provider.js');
          const { loadCatalog } = await import('../../lib/analysis/catalog.js');
          return openAiProvider({ url, model: 'test-model', apiKey: 'sk-test' }, loadCatalog()).analyse(
            input,
          );
        },
      },
    },
  });
  async function analyse(signalName: string, answer: unknown) {
    answers.set(signalName, typeof answer === 'string' ? answer : JSON.stringify(answer));
    const web = uniqueName('web');
    await createDeployment(h.namespace, web);
    const rr = await h.createRR({ kind: 'Deployment', name: web, namespace: h.namespace });
    const name = `ai-${rr.metadata.name}`;
    await h.createChild('AIAnalysis', name, analysisSpec(rr, h.namespace, web, signalName), rr);
    return {
      web,
      status: await h.waitForStatus('AIAnalysis', name, (s) => ['Completed', 'Failed'].includes(s.phase)),
    };
  }

  it('the model picks a catalog workflow: bundle and action come from the catalog, confidence and rationale from the model', async () => {
    const { web, status } = await analyse('PodsKeepDying', {
      rootCause: 'the process leaks file descriptors',
      signalType: 'crash-loop',
      contributingFactors: ['fd leak'],
      workflowId: 'restart-crashlooping-workload',
      confidence: 0.83,
      rationale: 'a restart releases the descriptors',
      parameters: { notDeclared: 'x' },
    });
    expect(status.phase).toBe('Completed');
    expect(status.rcaResult.rootCause).toBe('the process leaks file descriptors');
    expect(status.rcaResult.selectedWorkflow).toMatchObject({
      workflowId: 'restart-crashlooping-workload',
      actionType: 'restart',
      executionBundle: 'builtin:restart',
      confidence: 0.83,
      rationale: 'a restart releases the descriptors',
      parameters: {},
    });
    expect(status.rcaResult.rootCauseAnalysis.remediationTarget).toMatchObject({
      kind: 'Deployment',
      name: web,
    });
    expect(status.approval.approvalRequired).toBe(false);
    const call = requests.find((r) => r.body.messages[1].content.includes('PodsKeepDying'))!;
    expect(call.auth).toBe('Bearer sk-test');
    expect(call.body).toMatchObject({ model: 'test-model', response_format: { type: 'json_object' } });
  });

  it('an answer that is not valid under the schema fails the analysis for human review', async () => {
    const { status } = await analyse('Garbled', { rootCause: 'x', confidence: 3 });
    expect(status.phase).toBe('Failed');
    expect(status.subReason).toBe('LLMParsingError');
    expect(status.review).toEqual({ needsHumanReview: true, humanReviewReason: 'llm_parsing_error' });
  });

  it('a workflow the catalog does not know is refused', async () => {
    const { status } = await analyse('Invented', {
      rootCause: 'x',
      signalType: 'y',
      workflowId: 'rm-rf-everything',
      confidence: 0.99,
      rationale: 'trust me',
    });
    expect(status.phase).toBe('Failed');
    expect(status.message).toContain('rm-rf-everything');
  });
});
