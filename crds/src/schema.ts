/**
 * Small builders for OpenAPI v3 structural schemas, so each CRD reads as a list
 * of fields rather than nested YAML. Used only by the CRD generator.
 */
export type Schema = Record<string, unknown>;

export const str = (description?: string, extra: Schema = {}): Schema => ({
  type: 'string',
  ...(description ? { description } : {}),
  ...extra,
});
export const time = (description?: string): Schema => str(description, { format: 'date-time' });
export const duration = (description?: string): Schema => str(description, { format: 'duration' });
export const int = (description?: string, extra: Schema = {}): Schema => ({ type: 'integer', ...(description ? { description } : {}), ...extra });
export const num = (description?: string, extra: Schema = {}): Schema => ({ type: 'number', ...(description ? { description } : {}), ...extra });
export const bool = (description?: string): Schema => ({ type: 'boolean', ...(description ? { description } : {}) });
export const oneOf = (values: readonly string[], description?: string, extra: Schema = {}): Schema =>
  str(description, { enum: [...values], ...extra });
export const stringMap = (description?: string): Schema => ({
  type: 'object',
  ...(description ? { description } : {}),
  additionalProperties: { type: 'string' },
});
export const list = (items: Schema, description?: string, extra: Schema = {}): Schema => ({
  type: 'array',
  ...(description ? { description } : {}),
  items,
  ...extra,
});
export const obj = (properties: Record<string, Schema>, required: string[] = [], description?: string, extra: Schema = {}): Schema => ({
  type: 'object',
  ...(description ? { description } : {}),
  properties,
  ...(required.length ? { required } : {}),
  ...extra,
});
export const immutable = (what: string) => ({
  'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: `${what} cannot change after creation` }],
});

/** A reference to another object (name required where a kind needs it). */
export const objectRef = (description?: string): Schema =>
  obj(
    {
      apiVersion: str(),
      kind: str(),
      name: str(),
      namespace: str(),
      uid: str(),
      resourceVersion: str(),
      fieldPath: str(),
    },
    [],
    description,
  );

/** The Kubernetes resource a signal points at. */
export const resourceIdentifier = (description?: string, withApiVersion = true): Schema =>
  obj(
    {
      ...(withApiVersion ? { apiVersion: str('API version of the resource, e.g. apps/v1') } : {}),
      kind: str('Kind, e.g. Deployment, Pod, Node'),
      name: str('Name of the resource'),
      namespace: str('Namespace; empty for cluster-scoped kinds'),
    },
    ['kind', 'name'],
    description,
  );

/** metav1.Condition, with the apiserver's own validation rules. */
export const conditions = (): Schema =>
  list(
    obj(
      {
        type: str('Condition type in CamelCase', {
          maxLength: 316,
          pattern:
            '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
        }),
        status: oneOf(['True', 'False', 'Unknown']),
        observedGeneration: int(undefined, { format: 'int64', minimum: 0 }),
        lastTransitionTime: time(),
        reason: str('Machine-readable reason in CamelCase', {
          minLength: 1,
          maxLength: 1024,
          pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
        }),
        message: str('Human-readable detail', { maxLength: 32768 }),
      },
      ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
    ),
    'Standard conditions',
    { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
  );

export interface PrinterColumn {
  name: string;
  type: 'string' | 'date' | 'integer' | 'number' | 'boolean';
  jsonPath: string;
  priority?: number;
}

export interface CrdDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  description: string;
  spec: Schema;
  status: Schema;
  columns: PrinterColumn[];
}

export const GROUP = 'kubernaut.ai';
export const VERSION = 'v1alpha1';

export function toCrd(def: CrdDefinition): Schema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${def.plural}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'kubernaut-temporal' } },
    spec: {
      group: GROUP,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: def.shortNames,
        categories: ['kubernaut'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: def.columns,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: def.description,
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: def.spec,
                status: def.status,
              },
              required: ['spec'],
            },
          },
        },
      ],
    },
  };
}
