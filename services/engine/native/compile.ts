import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { UserError } from '../../errors';
import { NAPI_VERSION } from './versions';

export interface BindingBuild {
  cxx: string;
  napiInclude: string;
  tfjsNodeDir: string;
  /** The install directory: the libraries are in `<dir>/tensorflow/`, headers in `<dir>/tensorflow/include/`. */
  dir: string;
  out: string;
}

/**
 * Compiles tfjs-node's two binding sources (what its binding.gyp builds) against the wheel's C headers and links
 * them to the wheel's libraries by soname, with an rpath relative to the binding itself, so the install directory
 * can be renamed or moved as a whole. ~8 s on one core.
 */
export function compileBinding(b: BindingBuild): void {
  const tfDir = join(b.dir, 'tensorflow');
  const args = [
    '-std=c++17',
    '-O2',
    '-fPIC',
    '-shared',
    '-w', // third-party sources: their warnings are not ours to fix
    `-DNAPI_VERSION=${NAPI_VERSION}`,
    `-I${join(b.tfjsNodeDir, 'binding')}`,
    `-I${b.napiInclude}`,
    `-I${join(tfDir, 'include')}`,
    join(b.tfjsNodeDir, 'binding', 'tfjs_backend.cc'),
    join(b.tfjsNodeDir, 'binding', 'tfjs_binding.cc'),
    join(tfDir, 'libtensorflow_cc.so.2'),
    join(tfDir, 'libtensorflow_framework.so.2'),
    '-Wl,-rpath,$ORIGIN/tensorflow',
    '-o',
    b.out,
  ];
  const r = spawnSync(b.cxx, args, { encoding: 'utf8' });
  if (r.status !== 0) {
    const first = (r.stderr || r.error?.message || '').split('\n').find((l) => /error/i.test(l)) ?? r.stderr.trim();
    throw new UserError(
      `the tfjs-node binding did not compile with ${b.cxx} (${first.trim()}): it needs a C++17 compiler (g++ 8 or newer) and libstdc++ headers (apt-get install g++)`,
    );
  }
}
