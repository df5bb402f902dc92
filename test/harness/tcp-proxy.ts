/**
 * A TCP proxy on loopback in front of one of the stack's services, so a test can
 * break the link from one process (a worker, an API) to it without touching the
 * service every other test file shares: `cut()` resets every open connection (a
 * network drop: watches break, pooled connections die), `refuse()` makes new
 * connections fail at once (the service unreachable) until `accept()`, and
 * `delayMs` holds every chunk in each direction that long (a slow link or server).
 */
import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  port: number;
  /** Delay applied to every chunk, in both directions (0: none). */
  delayMs: number;
  /** Resets every open connection. */
  cut(): void;
  /** New connections are reset on arrival (open ones are cut too). */
  refuse(): void;
  /** New connections are forwarded again. */
  accept(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let refusing = false;
  const track = (s: Socket) => {
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => {});
  };
  const pipe = (from: Socket, to: Socket) => {
    const later = (fn: () => void) => (proxy.delayMs > 0 ? setTimeout(fn, proxy.delayMs) : fn());
    from.on('data', (chunk) =>
      later(() => {
        if (!to.destroyed) to.write(chunk);
      }),
    );
    // A side closing cleanly is passed on cleanly (after the data it sent); only an
    // error is passed on as a reset, which would discard data still unread.
    from.on('end', () => later(() => to.end()));
    from.on('close', (hadError) => {
      if (hadError && !to.destroyed) to.resetAndDestroy();
      else later(() => to.end());
    });
  };
  const server = createServer((client) => {
    track(client);
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    track(upstream);
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const cut = () => {
    for (const s of [...open]) s.resetAndDestroy();
  };
  const proxy: TcpProxy = {
    port: typeof address === 'object' && address ? address.port : 0,
    delayMs: 0,
    cut,
    refuse() {
      refusing = true;
      cut();
    },
    accept() {
      refusing = false;
    },
    close: () =>
      new Promise((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  };
  return proxy;
}

/** `url` with its host and port replaced by the proxy's (postgres://…, https://…). */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}
