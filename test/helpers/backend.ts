import type { BackendName } from '../../services/engine';

/**
 * The backend the engine test files run on: wasm by default (so they never drift onto whatever is fastest here),
 * or PROXYSWEEP_BACKEND, which `npm test` sets to `tensorflow` for its second pass over the engine tests.
 */
export function engineTestBackend(): BackendName {
  const name = process.env.PROXYSWEEP_BACKEND;
  return name && name !== 'auto' ? (name as BackendName) : 'wasm';
}
