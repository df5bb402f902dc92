/**
 * Creating a remediation's child resources and notifications, owned by the RR.
 * Names are deterministic, so an activity retry finds the object it created
 * instead of creating a second one.
 */
import { patched } from '@temporalio/workflow';
import { type ChildKind, notificationName } from '../lib/kinds.js';
import { type NotificationContent, notificationSpec } from './children.js';
import type { Remediation } from './context.js';
import { refusalOf } from './refusal.js';

/** Histories from before a refused notification of an ending was tolerated (I1) failed the run there. */
const ENDING_NOTICE_REFUSED_PATCH = 'ending-notice-refused';

/**
 * Creates the notification `nr-<slug>-<rr>` (deterministic: a retry never sends
 * twice). One that goes with an ending (`ending`) and is refused for good does not
 * keep the RR from ending (I1, docs/invariants.md): the refusal is kept for the
 * ending's audit event instead. Histories from before the patch failed the run there.
 */
export async function notify(
  r: Remediation,
  slug: string,
  content: NotificationContent,
  opts: { ending?: boolean } = {},
): Promise<void> {
  const name = notificationName(slug, r.owner.name);
  try {
    await r.steps.ensureChild({
      kind: 'NotificationRequest',
      namespace: r.owner.namespace,
      name,
      owner: { name: r.owner.name, uid: r.owner.uid },
      spec: notificationSpec(r.owner, r.spec, r.view.phase, content),
    });
  } catch (err) {
    const refusal = refusalOf(err);
    if (!opts.ending || !refusal || !patched(ENDING_NOTICE_REFUSED_PATCH)) throw err;
    r.notificationsRefused.push(`${name}: ${refusal}`);
    return;
  }
  if (!r.view.notifications.some((n) => n.name === name))
    r.view.notifications.push({ kind: 'NotificationRequest', name });
}

/** Creates the child `name` of `kind` and records it in the view. */
export async function createChild(
  r: Remediation,
  kind: Exclude<ChildKind, 'NotificationRequest'>,
  name: string,
  spec: Record<string, unknown>,
): Promise<void> {
  await r.steps.ensureChild({
    kind,
    namespace: r.owner.namespace,
    name,
    owner: { name: r.owner.name, uid: r.owner.uid },
    spec,
  });
  r.view.children[kind] = { kind, name };
}
