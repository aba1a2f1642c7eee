import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildDashboards, GENERATED_DIR, stableJson, writeDashboards } from '../../dashboards';
import { dashboardsBuildCommand } from '../../services/cli/commands/dashboards';
import { createOutput } from '../../services/cli/output';

describe('committed dashboard JSON', () => {
  test('dashboards/generated/*.json is exactly what buildDashboards() produces (run `proxysweep dashboards build`)', () => {
    const dashboards = buildDashboards();
    const files = readdirSync(GENERATED_DIR).filter((f) => f.endsWith('.json'));
    assert.deepEqual(
      files.sort(),
      dashboards.map((d) => `${d.uid}.json`).sort(),
      'one file per dashboard, no stale ones',
    );
    for (const d of dashboards) {
      const committed = readFileSync(join(GENERATED_DIR, `${d.uid}.json`), 'utf8');
      assert.ok(committed === stableJson(d.json), `${d.uid}.json is stale: run \`proxysweep dashboards build\``);
    }
  });

  test('the JSON text is stable: sorted keys, two-space indent, trailing newline', () => {
    assert.equal(
      stableJson({ b: 1, a: { d: [2, { z: 0, y: 1 }], c: null } }),
      '{\n  "a": {\n    "c": null,\n    "d": [\n      2,\n      {\n        "y": 1,\n        "z": 0\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
  });

  test('build writes <uid>.json, replaces stale proxysweep dashboards, leaves other files alone, and is repeatable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-dash-'));
    try {
      writeFileSync(join(dir, 'old-uid.json'), JSON.stringify({ uid: 'old-uid', tags: ['proxysweep'] }));
      writeFileSync(join(dir, 'someone-else.json'), JSON.stringify({ uid: 'x', tags: ['other'] }));
      writeFileSync(join(dir, 'notes.txt'), 'keep');
      let text = '';
      const out = createOutput(false, new Writable({ write: (c: Buffer, _e, cb) => ((text += c.toString()), cb()) }));
      const first = await dashboardsBuildCommand({ out: dir }, out);
      assert.deepEqual(first.removed, ['old-uid.json']);
      assert.match(text, /wrote 3 dashboards to .*removed stale old-uid\.json/s);
      const snapshot = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
      assert.deepEqual(Object.keys(snapshot).sort(), [...first.written, 'notes.txt', 'someone-else.json'].sort());
      const again = writeDashboards(dir);
      assert.deepEqual(again.removed, []);
      for (const f of readdirSync(dir)) assert.equal(readFileSync(join(dir, f), 'utf8'), snapshot[f], `${f} unchanged`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
