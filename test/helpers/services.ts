import { after, before } from 'node:test';
import { startEphemeralServices, type EphemeralServices } from '../../services/local/ephemeral';

/** A real PostgreSQL and a real Temporal dev server for one test file, in a fresh temp directory. */
export type TestServices = EphemeralServices;
export const startTestServices = startEphemeralServices;

/** Environment for child processes (workers, the CLI) that should use these services. */
export function serviceEnv(s: TestServices, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: s.targets.databaseUrl,
    TEMPORAL_ADDRESS: s.targets.temporal.address,
    TEMPORAL_NAMESPACE: s.targets.temporal.namespace,
    PROXYSWEEP_LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** Polls until `check` returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(
  check: () => Promise<T | undefined | false | null>,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Services for one describe block: started in `before`, stopped with its workers and contexts in `after`. */
export interface ServicesFixture {
  readonly s: TestServices;
  /** Worker pools to stop afterwards. */
  workers: { stop(): Promise<void> }[];
  /** Sweep contexts to close afterwards. */
  contexts: { close(): Promise<void> }[];
}

export function useServices(): ServicesFixture {
  let services: TestServices | undefined;
  const fx: ServicesFixture = {
    get s() {
      if (!services) throw new Error('services are not started yet (use fx.s inside tests)');
      return services;
    },
    workers: [],
    contexts: [],
  };
  before(async () => {
    services = await startTestServices();
  });
  after(async () => {
    for (const w of fx.workers) await w.stop();
    for (const c of fx.contexts) await c.close();
    await services?.stop();
  });
  return fx;
}
