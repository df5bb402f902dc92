/**
 * A DevTools protocol session to a running node process's inspector, opened from
 * outside with SIGUSR1 (node then listens on 127.0.0.1:9229). What the bench reads
 * from a worker while it works — its heaps (heap-breakdown.ts), where its CPU goes
 * (cpu-profile.ts) — goes through here.
 */
import { sleep } from './stats.js';

type Message = { id?: number; method?: string; params?: Record<string, unknown>; result?: unknown };

/** One DevTools session; `send` to the main thread, or to a worker thread by its session id. */
async function connect(url: string) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let next = 1;
  const waiting = new Map<number, (m: Message) => void>();
  const listeners: ((m: Message) => void)[] = [];
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data)) as Message;
    if (m.id !== undefined) waiting.get(m.id)?.(m);
    else for (const l of listeners) l(m);
    // A worker thread's answers come wrapped in NodeWorker.receivedMessageFromWorker.
    if (m.method === 'NodeWorker.receivedMessageFromWorker') {
      const inner = JSON.parse(m.params!.message as string) as Message;
      if (inner.id !== undefined) waiting.get(inner.id)?.(inner);
    }
  };
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string) =>
    new Promise<Message>((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      const body = JSON.stringify({ id, method, params });
      ws.send(
        sessionId
          ? JSON.stringify({
              id: next++,
              method: 'NodeWorker.sendMessageToWorker',
              params: { sessionId, message: body },
            })
          : body,
      );
    });
  return { send, listeners, close: () => ws.close() };
}

export type InspectorSession = Awaited<ReturnType<typeof connect>>;

/** Opens `pid`'s inspector and a session to its main thread. */
export async function openInspector(pid: number): Promise<InspectorSession> {
  process.kill(pid, 'SIGUSR1');
  let targets: { webSocketDebuggerUrl: string }[] = [];
  for (let i = 0; i < 50 && !targets.length; i++) {
    targets = await fetch('http://127.0.0.1:9229/json/list')
      .then((r) => r.json() as Promise<{ webSocketDebuggerUrl: string }[]>)
      .catch(() => []);
    if (!targets.length) await sleep(200);
  }
  if (!targets.length) throw new Error(`pid ${pid} opened no inspector on 127.0.0.1:9229`);
  const s = await connect(targets[0]!.webSocketDebuggerUrl);
  return s;
}
