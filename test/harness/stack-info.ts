import type { StaticUser } from '../../stack/kube.js';

/** What the global setup hands to every test file. */
export interface TestStackInfo {
  /** The app's role (kubernaut_writer): what the API and the worker connect as. */
  databaseUrl: string;
  /** The owner role migrations run as. */
  migrationDatabaseUrl: string;
  /** The audit log sequencer's role. */
  sequencerDatabaseUrl: string;
  /** A superuser: for tests that tamper as a database administrator would, explicitly. */
  adminDatabaseUrl: string;
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
