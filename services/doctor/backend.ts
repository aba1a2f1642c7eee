import { initBackend, installHint, type BackendInfo, type BackendName } from '../engine/backend';
import { fail, firstLine, pass, warn, type CheckResult } from './check';

export interface BackendOutcome {
  check: CheckResult;
  /** The backend the engine picked (undefined when the forced one is unavailable). */
  info?: BackendInfo;
}

/**
 * `backend`: the backend a worker would compute on, chosen exactly as a worker chooses it, and why not a
 * faster one. Fails when the backend asked for (`--backend`, PROXYSWEEP_BACKEND) is unavailable, when a GPU is
 * visible but not used, or when only the pure-JS cpu backend works; warns when a CPU node runs on wasm
 * although native TensorFlow would be faster.
 */
export async function checkBackend(preference: BackendName | 'auto', gpuVisible: boolean): Promise<BackendOutcome> {
  let info: BackendInfo;
  try {
    info = await initBackend(preference);
  } catch (err) {
    return {
      check: fail(
        'backend',
        `backend "${preference}" was asked for (--backend or PROXYSWEEP_BACKEND) and cannot run here: ${unavailableReason(err)}`,
        preference === 'auto' ? 'reinstall with `npm ci`' : installHint(preference),
        { preference },
      ),
    };
  }
  const skipped = info.notes.length ? `; not ${info.notes.join('; not ')}` : '';
  const data = { preference, backend: info.name, tfBackend: info.tfBackend, notes: info.notes };
  const detail = `${info.name}${preference === 'auto' ? '' : ' (forced)'}${skipped}`;
  if (info.name === 'tensorflow-gpu') return { info, check: pass('backend', detail, data) };
  if (gpuVisible && preference === 'auto') {
    return {
      info,
      check: fail('backend', `a GPU is visible but cells would run on ${detail}`, installHint('tensorflow-gpu'), data),
    };
  }
  if (info.name === 'cpu') {
    return {
      info,
      check: fail(
        'backend',
        `only the pure-JS cpu backend works (hundreds of times slower than wasm)${skipped}`,
        'reinstall with `npm ci` (the wasm backend ships with it)',
        data,
      ),
    };
  }
  if (info.name === 'wasm' && preference === 'auto') {
    return {
      info,
      check: warn('backend', `${detail} (native TensorFlow trains faster on CPU)`, installHint('tensorflow'), data),
    };
  }
  return { info, check: pass('backend', detail, data) };
}

/** initBackend's "backend X is unavailable (why); how to fix" without the parts this check prints itself. */
function unavailableReason(err: unknown): string {
  const message = firstLine(err);
  return /is unavailable \((.*)\); /.exec(message)?.[1] ?? message;
}
