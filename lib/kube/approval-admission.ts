/**
 * Who decided, as the API server saw it (invariant I10): a ValidatingAdmissionPolicy
 * that makes the names people write on RemediationRequests and RAR statuses their
 * own. deploy/base/admission-approval.yaml is this policy for deploy/'s identities
 * (test/deploy/manifests.test.ts keeps the two equal); tests bind it to their
 * namespace.
 *
 * For everyone but the orchestrator's own identities (the worker records decisions
 * on behalf of the people the API authenticated; the gateway creates RRs):
 *
 * - an RR is created only with `kubernaut.ai/created-by` naming its creator, and
 *   `kubernaut.ai/requested-by`, if set, naming them too; neither changes afterwards;
 * - a response appended to an RAR's status.responses names its author in `by`, with
 *   `groups` only among the author's groups, and responses already there stay;
 * - a decision written into an RAR's status.decision names its author in `decidedBy`.
 *
 * So the ladder's checks (creator and requester may not approve, tier membership,
 * update rights by SubjectAccessReview, one approval per person) apply to the
 * identity that made the change, not to a name typed into it.
 */
import { CREATED_BY_ANNOTATION, REQUESTED_BY_ANNOTATION } from '../approval-ladder.js';

export const APPROVAL_ADMISSION_POLICY = 'kubernaut-approval-identity';

const ann = (a: string) => `'${a}'`;

export interface ApprovalAdmissionOptions {
  /** Identities exempt from the rules: the worker's and the gateway's. */
  orchestrators: string[];
  /** The namespaces the RRs live in (the binding's scope). */
  namespaces: string[];
  /** Object names (a test uses unique ones). */
  name?: string;
}

export function approvalAdmissionPolicy(o: ApprovalAdmissionOptions) {
  const name = o.name ?? APPROVAL_ADMISSION_POLICY;
  const created = ann(CREATED_BY_ANNOTATION);
  const requested = ann(REQUESTED_BY_ANNOTATION);
  const me = 'request.userInfo.username';
  const isRR = "(request.resource.resource == 'remediationrequests')";
  const isRAR = "(request.resource.resource == 'remediationapprovalrequests')";
  const annotations = (o: string) => `(has(${o}.metadata.annotations) ? ${o}.metadata.annotations : {})`;
  const responses = (o: string) =>
    `(has(${o}.status) && has(${o}.status.responses) ? ${o}.status.responses : [])`;
  const policy = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: ['kubernaut.ai'],
            apiVersions: ['*'],
            operations: ['CREATE', 'UPDATE'],
            resources: ['remediationrequests'],
          },
          {
            apiGroups: ['kubernaut.ai'],
            apiVersions: ['*'],
            operations: ['UPDATE'],
            resources: ['remediationapprovalrequests/status'],
          },
        ],
      },
      matchConditions: [
        {
          name: 'not-the-orchestrator',
          expression: `!(${me} in [${o.orchestrators.map((u) => `'${u}'`).join(', ')}])`,
        },
      ],
      variables: [
        { name: 'annotations', expression: annotations('object') },
        {
          name: 'oldAnnotations',
          expression: `request.operation == 'UPDATE' ? ${annotations('oldObject')} : {}`,
        },
        { name: 'responses', expression: `${isRAR} ? ${responses('object')} : []` },
        { name: 'oldResponses', expression: `${isRAR} ? ${responses('oldObject')} : []` },
        { name: 'groups', expression: 'has(request.userInfo.groups) ? request.userInfo.groups : []' },
      ],
      validations: [
        {
          expression: `!${isRR} || request.operation != 'CREATE' || (${created} in variables.annotations && variables.annotations[${created}] == ${me} && (!(${requested} in variables.annotations) || variables.annotations[${requested}] == ${me}))`,
          messageExpression: `'a RemediationRequest you create must carry the annotation ${CREATED_BY_ANNOTATION}: ' + ${me} + ' (and ${REQUESTED_BY_ANNOTATION}, if any, the same): an approval ladder never lets its creator approve it'`,
          reason: 'Forbidden',
        },
        {
          expression: `!${isRR} || request.operation != 'UPDATE' || [${created}, ${requested}].all(k, (k in variables.annotations) == (k in variables.oldAnnotations) && (!(k in variables.annotations) || variables.annotations[k] == variables.oldAnnotations[k]))`,
          message: `${CREATED_BY_ANNOTATION} and ${REQUESTED_BY_ANNOTATION} cannot change`,
          reason: 'Forbidden',
        },
        {
          expression: `!${isRAR} || (variables.oldResponses.all(x, x in variables.responses) && variables.responses.all(x, x in variables.oldResponses || (x.by == ${me} && (!has(x.groups) || x.groups.all(g, g in variables.groups)))))`,
          messageExpression: `'a response you add to status.responses must say by: ' + ${me} + ', with groups only among your own; responses already there stay'`,
          reason: 'Forbidden',
        },
        {
          expression: `!${isRAR} || !has(object.status) || !has(object.status.decision) || object.status.decision == '' || (has(oldObject.status) && has(oldObject.status.decision) && oldObject.status.decision == object.status.decision) || (has(object.status.decidedBy) && object.status.decidedBy == ${me})`,
          messageExpression: `'a decision you write into status.decision must say decidedBy: ' + ${me}`,
          reason: 'Forbidden',
        },
      ],
    },
  };
  const binding = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name },
    spec: {
      policyName: name,
      validationActions: ['Deny'],
      matchResources: {
        namespaceSelector: {
          matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: o.namespaces }],
        },
      },
    },
  };
  return [policy, binding] as const;
}

/** The policy as deploy/ installs it: the worker's and the API's ServiceAccounts are the orchestrator. */
export const DEPLOY_APPROVAL_ADMISSION = {
  orchestrators: [
    'system:serviceaccount:kubernaut-system:kubernaut-worker',
    'system:serviceaccount:kubernaut-system:kubernaut-api',
  ],
  namespaces: ['kubernaut-system'],
};
