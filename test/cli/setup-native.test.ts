import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../services/paths';

const BIN = join(packageRoot(), 'bin', 'proxysweep.js');

describe('setup native: missing prerequisites exit 2 with one line naming the fix, before any download', () => {
  const setup = (env: NodeJS.ProcessEnv) => {
    const root = mkdtempSync(join(tmpdir(), 'ps-native-cli-'));
    const r = spawnSync(process.execPath, [BIN, 'setup', 'native'], {
      encoding: 'utf8',
      env: { ...process.env, PROXYSWEEP_NATIVE_DIR: root, ...env },
    });
    return { ...r, left: readdirSync(root) };
  };

  for (const [what, env, message] of [
    [
      'no pip',
      { PYTHON: '/nonexistent/python3' },
      /no Python found \(tried \/nonexistent\/python3\).*install python3 and pip/,
    ],
    [
      'no compiler',
      { CXX: '/nonexistent/g++' },
      /no C\+\+ compiler found \(tried \/nonexistent\/g\+\+\).*install g\+\+/,
    ],
  ] as const) {
    test(what, () => {
      const r = setup(env);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^proxysweep: error: /);
      assert.match(lines[0], message);
      assert.deepEqual(r.left, [], 'nothing written');
    });
  }
});
