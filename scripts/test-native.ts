/**
 * `npm test`'s second pass: the engine tests (op values and gradients, AM, models, training determinism and
 * checkpoint-resume equality) once more, on native TensorFlow (PROXYSWEEP_BACKEND=tensorflow), exact within the
 * backend like on wasm. Skipped with a note where native TensorFlow is not set up, unless
 * PROXYSWEEP_REQUIRE_NATIVE=1 (CI), where that is a failure.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { nativeStatus } from '../services/engine';

const ENGINE_TESTS = ['proxy-leaky-relu', 'am', 'am-steps', 'models', 'training'];

function main(): number {
  const status = nativeStatus();
  if (!status.setup && status.stock.length === 0) {
    if (process.env.PROXYSWEEP_REQUIRE_NATIVE === '1') {
      console.error(`native engine tests: ${status.summary} (PROXYSWEEP_REQUIRE_NATIVE=1)`);
      return 1;
    }
    console.log(`native engine tests skipped: ${status.summary}`);
    return 0;
  }
  console.log(`native engine tests on ${status.summary}`);
  const files = ENGINE_TESTS.map((name) => join(__dirname, '..', 'test', 'engine', `${name}.test.js`));
  const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], {
    stdio: 'inherit',
    env: { ...process.env, PROXYSWEEP_BACKEND: 'tensorflow' },
  });
  return r.status ?? 1;
}

process.exitCode = main();
