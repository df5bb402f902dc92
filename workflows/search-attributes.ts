/** Typed keys of the custom search attributes (registered at stack start). */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

const kw = (name: string) => defineSearchAttributeKey(name, SearchAttributeType.KEYWORD);

export const SA = {
  phase: kw('RemediationPhase'),
  signalName: kw('SignalName'),
  severity: kw('Severity'),
  target: kw('TargetResource'),
  fingerprint: kw('SignalFingerprint'),
  outcome: kw('RemediationOutcome'),
  approval: kw('ApprovalState'),
  blockReason: kw('BlockReason'),
};
