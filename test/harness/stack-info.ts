import type { StaticUser } from '../../stack/kube.js';

/** What the global setup hands to every test file. */
export interface TestStackInfo {
  databaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  temporalUiUrl?: string;
  kubeconfigPath: string;
  kubeServer?: string;
  kubeCaPem?: string;
  kubeUsers: StaticUser[];
  embedded: { postgres: boolean; temporal: boolean; kube: boolean };
  pids: number[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: TestStackInfo;
  }
}
