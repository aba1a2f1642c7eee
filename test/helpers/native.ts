import { nativeStatus } from '../../services/engine';

/**
 * Whether native TensorFlow is set up here, for test files that need it. Where it is not, they skip with this
 * reason, unless PROXYSWEEP_REQUIRE_NATIVE=1 (set by `npm test` after `setup native`, and by CI), where a
 * missing native backend must fail instead of passing quietly.
 */
export function nativeSkip(): string | false {
  const status = nativeStatus();
  if (status.setup || status.stock.length) return false;
  if (process.env.PROXYSWEEP_REQUIRE_NATIVE === '1') return false; // let the test fail on the missing backend
  return `skipped: ${status.summary}`;
}
