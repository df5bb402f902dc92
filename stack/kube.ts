/**
 * A local Kubernetes control plane: etcd + kube-apiserver (+ kube-controller-manager
 * for garbage collection, namespace deletion, and Deployment → ReplicaSet → Pod), all on loopback, with static-token
 * authentication, RBAC authorization and a kubeconfig written for clients.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, type ManagedProcess, startProcess, waitReady } from './processes.js';

export interface StaticUser {
  name: string;
  token: string;
  groups: string[];
}

export interface StartedKube {
  server: string;
  kubeconfigPath: string;
  caPem: string;
  adminToken: string;
  /** Extra users with static tokens (for RBAC and authentication tests). */
  users: StaticUser[];
  processes: ManagedProcess[];
  /** Restarts kube-apiserver on the same port and data (watch-resume tests). */
  restartApiServer(): Promise<void>;
  stop(): Promise<void>;
}

export interface KubeBinaries {
  etcd: string;
  apiserver: string;
  controllerManager?: string;
}

export async function startKube(bins: KubeBinaries, workDir: string): Promise<StartedKube> {
  const dir = join(workDir, 'kube');
  mkdirSync(join(dir, 'certs'), { recursive: true });
  const [clientPort, peerPort, securePort] = [await freePort(), await freePort(), await freePort()];

  const etcd = startProcess(
    'etcd',
    bins.etcd,
    [
      '--name=default',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${clientPort}`,
      `--advertise-client-urls=http://127.0.0.1:${clientPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
    join(dir, 'etcd.log'),
  );
  await waitReady(etcd, 'etcd', async () => {
    const res = await fetch(`http://127.0.0.1:${clientPort}/health`);
    return res.ok && ((await res.json()) as { health: string }).health === 'true';
  });

  // Static tokens: an admin in system:masters plus plain users whose rights come
  // from RBAC objects that tests create.
  const adminToken = randomBytes(24).toString('hex');
  const users: StaticUser[] = [
    { name: 'alice', token: randomBytes(24).toString('hex'), groups: ['kubernaut:approvers'] },
    { name: 'bob', token: randomBytes(24).toString('hex'), groups: ['kubernaut:viewers'] },
  ];
  const tokenLines = [`${adminToken},admin,admin,"system:masters"`].concat(
    users.map((u) => `${u.token},${u.name},${u.name},"${u.groups.join(',')}"`),
  );
  writeFileSync(join(dir, 'tokens.csv'), `${tokenLines.join('\n')}\n`, { mode: 0o600 });

  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));

  const apiArgs = [
    `--etcd-servers=http://127.0.0.1:${clientPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${securePort}`,
    `--cert-dir=${join(dir, 'certs')}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--disable-admission-plugins=ServiceAccount',
    '--allow-privileged=true',
  ];
  const startApi = () =>
    startProcess('kube-apiserver', bins.apiserver, apiArgs, join(dir, 'kube-apiserver.log'));
  let apiserver = startApi();
  const server = `https://127.0.0.1:${securePort}`;
  const caFile = join(dir, 'certs', 'apiserver.crt');
  const readyz = async () =>
    (await getStatus(`${server}/readyz`, readFileSync(caFile, 'utf8'), adminToken)) === 200;
  await waitReady(apiserver, 'kube-apiserver', readyz, 180_000, 500);
  const caPem = readFileSync(caFile, 'utf8');

  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, kubeconfig(server, caPem, 'admin', adminToken), { mode: 0o600 });

  const processes = [etcd, apiserver];
  let kcm: ManagedProcess | undefined;
  if (bins.controllerManager) {
    kcm = startProcess(
      'kube-controller-manager',
      bins.controllerManager,
      [
        `--kubeconfig=${kubeconfigPath}`,
        '--controllers=garbagecollector,namespace,deployment,replicaset',
        '--leader-elect=false',
        '--secure-port=0',
      ],
      join(dir, 'kube-controller-manager.log'),
    );
    processes.push(kcm);
  }

  return {
    server,
    kubeconfigPath,
    caPem,
    adminToken,
    users,
    processes,
    async restartApiServer() {
      await apiserver.stop();
      apiserver = startApi();
      processes[1] = apiserver;
      await waitReady(apiserver, 'kube-apiserver', readyz, 180_000, 500);
    },
    async stop() {
      await kcm?.stop();
      await apiserver.stop();
      await etcd.stop();
    },
  };
}

/** A kubeconfig for one user of this control plane. */
export function kubeconfig(server: string, caPem: string, user: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'kubernaut-local',
        cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') },
      },
    ],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: user, context: { cluster: 'kubernaut-local', user } }],
    'current-context': user,
  });
}

function getStatus(url: string, ca: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { authorization: `Bearer ${token}` }, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}
