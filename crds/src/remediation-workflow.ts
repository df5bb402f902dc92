/**
 * RemediationWorkflow: one entry of the remediation catalog, applied with kubectl.
 * The AIAnalysis controller watches these objects, validates each one and writes
 * the verdict in status (conditions Validated and Registered, the content hash);
 * valid ones are offered to the analysis at once (docs/catalog.md). The spec is
 * mutable: re-applying a workflow updates the catalog, and the content hash shows
 * which version is registered.
 */
import { ACTION_TYPE_PATTERN, catalogDescription } from './catalog-fields.js';
import { bool, type CrdDefinition, conditions, list, num, obj, oneOf, type Schema, str, stringMap, time } from './schema.js';

const SEMVER =
  '^[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$';

const anyValue: Schema = { 'x-kubernetes-preserve-unknown-fields': true };

const parameter = obj(
  {
    name: str('Parameter name, as the execution receives it'),
    type: oneOf(['string', 'integer', 'boolean', 'array', 'float']),
    required: bool('Whether the execution needs a value'),
    description: str(),
    default: { ...anyValue, description: 'Value used when the analysis sets none' },
    enum: list(str()),
    pattern: str('Regular expression a string value must match'),
    minimum: num(),
    maximum: num(),
    dependsOn: list(str()),
  },
  ['name', 'type', 'required', 'description'],
  'One input parameter of the workflow',
);

const namedRef = obj({ name: str() }, ['name']);

export const remediationWorkflow: CrdDefinition = {
  kind: 'RemediationWorkflow',
  plural: 'remediationworkflows',
  singular: 'remediationworkflow',
  shortNames: ['rw'],
  description: 'A remediation workflow of the catalog: what it does, what it fits, how it runs.',
  columns: [
    { name: 'Action', type: 'string', jsonPath: '.spec.actionType' },
    { name: 'Version', type: 'string', jsonPath: '.spec.version' },
    { name: 'Validated', type: 'string', jsonPath: '.status.conditions[?(@.type=="Validated")].status' },
    { name: 'Registered', type: 'string', jsonPath: '.status.conditions[?(@.type=="Registered")].status' },
    { name: 'Status', type: 'string', jsonPath: '.status.catalogStatus' },
    { name: 'Hash', type: 'string', jsonPath: '.status.contentHash' },
    { name: 'Engine', type: 'string', jsonPath: '.spec.execution.engine', priority: 1 },
    { name: 'UUID', type: 'string', jsonPath: '.status.workflowId', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  spec: obj(
    {
      version: str('Semantic version (MAJOR.MINOR.PATCH)', { maxLength: 50, pattern: SEMVER }),
      actionType: str('Action type of the taxonomy (an ActionType spec.name), PascalCase', {
        pattern: ACTION_TYPE_PATTERN,
      }),
      description: catalogDescription('workflow'),
      labels: obj(
        {
          component: list(str(), 'Kinds of the object acted on (Deployment, Pod, Node)', { minItems: 1 }),
          environment: list(str(), 'Environments it may run in; "*" for any', { minItems: 1 }),
          severity: list(str(), 'Signal severities it fits; "*" for any', { minItems: 1 }),
          priority: str('Business priority it fits (P0..P3); "*" for any'),
          cluster: list(str(), 'Cluster classifications it fits'),
        },
        ['component', 'environment', 'priority', 'severity'],
        'Mandatory matching criteria',
      ),
      customLabels: stringMap('Labels the object acted on must carry for this workflow to fit'),
      detectedLabels: { ...anyValue, description: 'Infrastructure the workflow requires (author-declared)' },
      execution: obj(
        {
          engine: oneOf(['tekton', 'job', 'ansible'], 'Execution engine'),
          bundle: str('builtin:<action> for a built-in action, or a container image run as a Job'),
          bundleDigest: str(),
          serviceAccountName: str(),
          engineConfig: { ...anyValue, description: 'Engine-specific settings' },
        },
        [],
        'How the workflow runs',
      ),
      parameters: list(parameter, 'Input parameters', { minItems: 1 }),
      rollbackParameters: list(parameter, 'Parameters a rollback needs'),
      dependencies: obj({ configMaps: list(namedRef), secrets: list(namedRef) }),
      maintainers: list(
        obj({ name: str(), email: str(undefined, { pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' }) }, ['name', 'email']),
      ),
    },
    ['version', 'actionType', 'description', 'labels', 'execution', 'parameters'],
  ),
  status: obj({
    catalogStatus: oneOf(['Active', 'Invalid', 'Pending', 'Deprecated', 'Archived', 'Disabled', 'Superseded']),
    workflowId: str('Deterministic UUID derived from the content hash'),
    contentHash: str('sha256 hex digest of apiVersion, kind, metadata.name and spec'),
    registeredAt: time('When the catalog first took this workflow in'),
    registeredBy: str('Who registered it'),
    previouslyExisted: bool(),
    conditions: conditions(),
  }),
};
