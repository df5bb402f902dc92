/**
 * Optional analysis provider: an OpenAI-compatible chat-completions endpoint.
 * The model sees the signal, its context and the catalog, and must answer with a
 * JSON object (validated with ajv). It may only choose a workflow from the
 * catalog: the executable parts (action type, bundle) always come from the
 * catalog entry, never from model output.
 */
import { Ajv } from 'ajv';
import {
  actionTarget,
  type CatalogEntry,
  type CatalogSource,
  catalogEntries,
} from '../../lib/analysis/catalog.js';
import {
  type AnalysisInput,
  type AnalysisProvider,
  type AnalysisResult,
  InvalidAnalysisError,
} from '../../lib/analysis/provider.js';

export interface OpenAiOptions {
  url: string;
  model: string;
  apiKey?: string;
  timeoutMs?: number;
}

interface ModelAnswer {
  rootCause: string;
  signalType: string;
  contributingFactors?: string[];
  workflowId: string | null;
  confidence: number;
  rationale: string;
  parameters?: Record<string, string>;
}

const answerSchema = {
  type: 'object',
  required: ['rootCause', 'signalType', 'workflowId', 'confidence', 'rationale'],
  properties: {
    rootCause: { type: 'string', minLength: 1 },
    signalType: { type: 'string', minLength: 1 },
    contributingFactors: { type: 'array', items: { type: 'string' } },
    workflowId: { type: ['string', 'null'] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    rationale: { type: 'string' },
    parameters: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;
const validateAnswer = new Ajv({ allErrors: true }).compile<ModelAnswer>(answerSchema);

const SYSTEM_PROMPT = [
  'You analyse Kubernetes alerts for an automatic remediation system.',
  'Answer with one JSON object only, with the keys: rootCause (string), signalType (string),',
  'contributingFactors (array of strings), workflowId (one id from the catalog, or null when none fits),',
  'confidence (number 0..1), rationale (string), parameters (object of string values, optional).',
].join(' ');

export const chatCompletionsUrl = (url: string) =>
  url.endsWith('/chat/completions') ? url : `${url.replace(/\/$/, '')}/chat/completions`;

export function openAiProvider(opts: OpenAiOptions, source: CatalogSource): AnalysisProvider {
  if (!opts.url || !opts.model) throw new Error('the openai analysis provider needs a URL and a model');
  return {
    name: 'openai',
    async analyse(input) {
      const catalog = catalogEntries(source); // read live: the catalog changes as workflows are applied
      const res = await fetch(chatCompletionsUrl(opts.url), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: opts.model,
          temperature: 0,
          response_format: { type: 'json_object' },
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            { role: 'user', content: userPrompt(input, catalog) },
          ],
        }),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
      });
      // Server trouble is transient: throwing a plain error makes the loop retry.
      if (!res.ok) throw new Error(`analysis endpoint answered HTTP ${res.status}`);
      const body = (await res.json()) as { choices?: { message?: { content?: string } }[] };
      return toResult(input, parseAnswer(body.choices?.[0]?.message?.content), catalog);
    },
  };
}

function userPrompt(input: AnalysisInput, catalog: CatalogEntry[]) {
  return JSON.stringify({
    signal: input,
    catalog: catalog.map((e) => ({
      workflowId: e.workflowId,
      name: e.workflowName,
      description: e.description,
      actionType: e.taxonomyActionType ?? e.actionType,
      signalNames: e.match.signalNames,
      targetKinds: e.match.targetKinds,
      parameters: e.parameters ?? {},
    })),
  });
}

function parseAnswer(content: string | undefined): ModelAnswer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content ?? '');
  } catch {
    throw new InvalidAnalysisError('the analysis model did not answer with JSON');
  }
  if (!validateAnswer(parsed))
    throw new InvalidAnalysisError(
      `the analysis model's answer is invalid: ${validateAnswer.errors?.map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ')}`,
    );
  return parsed;
}

function toResult(input: AnalysisInput, a: ModelAnswer, catalog: CatalogEntry[]): AnalysisResult {
  const base = {
    rootCause: a.rootCause,
    signalType: a.signalType,
    ...(a.contributingFactors ? { contributingFactors: a.contributingFactors } : {}),
  };
  if (a.workflowId === null)
    return { ...base, noMatchReason: a.rationale || 'the model found no fitting workflow' };
  const entry = catalog.find((e) => e.workflowId === a.workflowId);
  if (!entry)
    throw new InvalidAnalysisError(`the analysis model chose ${a.workflowId}, which is not in the catalog`);
  const t = actionTarget(entry, input);
  return {
    ...base,
    remediationTarget: { kind: t.kind, name: t.name, ...(t.namespace ? { namespace: t.namespace } : {}) },
    workflow: {
      workflowId: entry.workflowId,
      workflowName: entry.workflowName,
      version: entry.version,
      actionType: entry.actionType,
      executionBundle: entry.executionBundle,
      confidence: a.confidence,
      rationale: a.rationale,
      // Only the parameters the catalog declares may be set by the model.
      parameters: {
        ...(entry.parameters ?? {}),
        ...Object.fromEntries(
          Object.entries(a.parameters ?? {}).filter(([k]) => k in (entry.parameters ?? {})),
        ),
      },
    },
  };
}
