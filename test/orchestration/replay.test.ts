import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { workflowBundlePath } from '../../services/temporal/bundle';
import { packageRoot } from '../../services/paths';

// Histories recorded from real sweeps (scripts/record-histories.ts). If a change to workflows/ makes one of
// them fail, running sweeps would break on upgrade: version the change with patched() instead.
const DIR = join(packageRoot(), 'test', 'fixtures', 'histories');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

describe('recorded workflow histories replay against the current workflow code', () => {
  test('the fixtures cover sweeps and cells, success, failure and cancellation', () => {
    const types = new Set(files.map((f) => f.split('-')[0]));
    assert.deepEqual([...types].sort(), ['cell', 'sweep']);
    for (const name of ['hist-ok', 'hist-fail', 'hist-control'])
      assert.ok(
        files.some((f) => f.startsWith(`sweep-${name}`)),
        name,
      );
  });

  for (const file of files) {
    test(file, async () => {
      const history = historyFromJSON(JSON.parse(readFileSync(join(DIR, file), 'utf8')));
      await Worker.runReplayHistory({ workflowBundle: { codePath: workflowBundlePath() } }, history, file);
    });
  }
});
