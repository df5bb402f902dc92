/** POST /api/v1/signals/prometheus: Alertmanager's webhook (payload version 4). */
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import { type AlertmanagerPayload, signalsFromAlertmanager } from '../../lib/gateway/alertmanager.js';
import { alertmanagerPayload, signalResponse } from '../schemas/gateway.js';
import {
  handleSignals,
  refuseNul,
  requireJson,
  type SignalRoutesOptions,
  signalMetrics,
} from './signal-common.js';

export async function prometheusSignalRoutes(app: FastifyInstance, opts: SignalRoutesOptions) {
  const metrics = signalMetrics(opts.registry);
  const auth = app.requireRole('writer') as unknown as onRequestAsyncHookHandler;
  app.post<{ Body: AlertmanagerPayload }>(
    '/api/v1/signals/prometheus',
    {
      // Authenticate and check the content type before reading a body.
      onRequest: [auth, requireJson],
      bodyLimit: opts.bodyLimit,
      schema: {
        summary: 'Ingest an Alertmanager webhook: one RemediationRequest per firing alert target',
        description:
          '201 created, 202 deduplicated into an open RemediationRequest, 200 rejected (with reason), ' +
          '207 for several alerts (per-alert results and a summary).',
        tags: ['gateway'],
        security: [{ bearerAuth: [] }],
        body: alertmanagerPayload(opts.maxAlerts),
        response: { 200: signalResponse, 201: signalResponse, 202: signalResponse, 207: signalResponse },
      },
    },
    async (req, reply) => {
      refuseNul(req.body);
      const signals = signalsFromAlertmanager(req.body, opts.gateway.options.clusterId);
      const { status, body } = await handleSignals(app, req, opts.gateway, metrics, 'prometheus', signals);
      return reply.code(status).send(body);
    },
  );
}
