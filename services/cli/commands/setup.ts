import { setupNative, type SetupNativeResult } from '../../engine/native';
import type { Output } from '../output';

/** `setup native [--gpu]`: builds the native TensorFlow backend into .tools/native/ (see services/engine/native). */
export async function setupNativeCommand(
  opts: { gpu?: boolean; force?: boolean },
  out: Output,
): Promise<SetupNativeResult> {
  const r = await setupNative({ ...opts, log: (m) => process.stderr.write(`${m}\n`) });
  const s = r.seconds;
  out.line(
    `native TensorFlow ${r.tensorflow} (${r.variant}) ${r.action === 'installed' ? 'installed' : 'already set up'} in ${r.dir}`,
  );
  out.line(
    `  downloaded ${Math.round(r.downloadedBytes / 1e6)} MB; took ${s.total} s (download ${s.download}, unpack ${s.unpack}, compile ${s.compile}, smoke test ${s.smoke})`,
  );
  out.line(
    `  smoke test: backend ${r.smoke.backend}, TF ${r.smoke.tfVersion}, ${r.smoke.gpuDevice ? 'on the GPU' : 'on the CPU'}, max relative difference to the cpu backend ${Math.max(r.smoke.maxDiff.value, r.smoke.maxDiff.dx, r.smoke.maxDiff.dw).toExponential(1)}`,
  );
  out.line('  workers now pick it automatically (`--backend tensorflow` forces it); `npm ci` keeps it');
  out.result(r);
  return r;
}
