/** The RemediationRequest spec as the gateway (or a person) writes it. */
export interface TargetResource {
  apiVersion?: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface RemediationRequestSpec {
  signalFingerprint: string;
  signalName: string;
  severity: string;
  signalType: string;
  signalSource?: string;
  targetType: string;
  targetResource: TargetResource;
  clusterID?: string;
  firingTime: string;
  receivedTime: string;
  signalLabels?: Record<string, string>;
  signalAnnotations?: Record<string, string>;
  providerData?: string;
  originalPayload?: string;
}

export const targetDisplay = (t: TargetResource) =>
  `${t.namespace ? `${t.namespace}/` : ''}${t.kind}/${t.name}`;
