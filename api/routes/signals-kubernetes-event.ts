/** POST /api/v1/signals/kubernetes-event: one core v1 Event (Warning or Error). */
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import { type KubernetesEvent, signalFromKubernetesEvent } from '../../lib/gateway/kubernetes-event.js';
import { kubernetesEvent, signalResponse } from '../schemas/gateway.js';
import {
  handleSignals,
  refuseNul,
  requireJson,
  type SignalRoutesOptions,
  signalMetrics,
} from './signal-common.js';

export async function kubernetesEventSignalRoutes(app: FastifyInstance, opts: SignalRoutesOptions) {
  const metrics = signalMetrics(opts.registry);
  const auth = app.requireRole('writer') as unknown as onRequestAsyncHookHandler;
  app.post<{ Body: KubernetesEvent }>(
    '/api/v1/signals/kubernetes-event',
    {
      onRequest: [auth, requireJson],
      bodyLimit: opts.bodyLimit,
      schema: {
        summary: 'Ingest a Kubernetes Event; only Warning and Error events are remediated',
        description: '201 created, 202 deduplicated, 200 rejected (e.g. a Normal event) with the reason.',
        tags: ['gateway'],
        security: [{ bearerAuth: [] }],
        body: kubernetesEvent,
        response: { 200: signalResponse, 201: signalResponse, 202: signalResponse },
      },
    },
    async (req, reply) => {
      refuseNul(req.body);
      const signal = signalFromKubernetesEvent(req.body, opts.gateway.options.clusterId);
      const { status, body } = await handleSignals(app, req, opts.gateway, metrics, 'kubernetes-events', [
        signal,
      ]);
      return reply.code(status).send(body);
    },
  );
}
