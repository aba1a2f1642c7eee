import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { buildDashboards, PG_DATASOURCE_TYPE, PG_DATASOURCE_UID } from '../../dashboards';
import { packageRoot } from '../../services/paths';
import { allPanels, asDashboard, queryPanels, variablesOf, type PanelJson } from '../helpers/dashboard-json';

const SCHEMA_DIR = join(packageRoot(), 'test', 'fixtures', 'grafana-schema');
// Panel types with a schema in the fixtures; a dashboard using another type fails (no unvalidated panels).
const PANEL_SCHEMAS = ['timeseries', 'stat', 'table', 'barchart', 'text', 'trend'];

const readSchema = (name: string) =>
  JSON.parse(readFileSync(join(SCHEMA_DIR, `${name}.jsonschema.json`), 'utf8')) as {
    definitions: Record<string, { properties?: Record<string, unknown> }>;
  };

/**
 * The generated schema renders Grafana's `any` as "an object", so a byName matcher's field name or an override's
 * unit string would fail although Grafana writes exactly those. Only these two `any` slots are opened up here
 * (in memory; the fixture stays unchanged); the override values are checked one by one below instead.
 */
function dashboardSchema() {
  const s = readSchema('dashboard');
  s.definitions.MatcherConfig.properties!.options = {};
  s.definitions.DynamicConfigValue.properties!.value = {};
  return s;
}

const ajv = new Ajv({ strict: false, allErrors: true, formats: { 'date-time': true } });
ajv.addSchema(dashboardSchema(), 'dashboard');
for (const name of PANEL_SCHEMAS) ajv.addSchema(readSchema(name), name);
const schema = (ref: string): ValidateFunction => {
  const v = ajv.getSchema(ref);
  assert.ok(v, `schema ${ref}`);
  return v;
};
const errorsOf = (v: ValidateFunction) => ajv.errorsText(v.errors, { separator: '\n  ' });
const hasDefinition = (file: string, def: string) => def in readSchema(file).definitions;

// Table cell options by their `type`. The schema's oneOf cannot tell them apart (every variant accepts any
// display mode as `type`, so `{type: 'color-text'}` matches several and fails), so pick the variant by type.
const CELL_OPTIONS: Record<string, string> = {
  auto: 'TableAutoCellOptions',
  sparkline: 'TableSparklineCellOptions',
  gauge: 'TableBarGaugeCellOptions',
  'color-background': 'TableColoredBackgroundCellOptions',
  'color-text': 'TableColorTextCellOptions',
  image: 'TableImageCellOptions',
  'data-links': 'TableDataLinksCellOptions',
  actions: 'TableActionsCellOptions',
  'json-view': 'TableJsonViewCellOptions',
};
function checkCellOptions(value: unknown, what: string): void {
  const type = (value as { type?: string }).type ?? '';
  assert.ok(CELL_OPTIONS[type], `${what}: unknown cell type ${type}`);
  const v = schema(`table#/definitions/${CELL_OPTIONS[type]}`);
  assert.ok(v(value), `${what}: ${errorsOf(v)}`);
}

const dashboards = buildDashboards();
const where = (uid: string, p: PanelJson) => `${uid} / panel ${p.id} "${p.title}"`;

// Builtins Grafana itself defines, and the Postgres macros (notes §2); anything else with `__` is a typo.
const BUILTIN_VARIABLES = new Set(['__from', '__to', '__interval', '__interval_ms', '__field', '__data', '__value']);
const MACROS = new Set([
  '__time',
  '__timeEpoch',
  '__timeFilter',
  '__timeFrom',
  '__timeTo',
  '__timeGroup',
  '__timeGroupAlias',
  '__unixEpochFilter',
  '__unixEpochFrom',
  '__unixEpochTo',
  '__unixEpochNanoFilter',
  '__unixEpochNanoFrom',
  '__unixEpochNanoTo',
  '__unixEpochGroup',
  '__unixEpochGroupAlias',
]);
const VARIABLE_REF = /\$(\w+)|\[\[(\w+?)(?::\w+)?\]\]|\$\{(\w+)(?:\.[^:^}]+)?(?::[^}]+)?\}/g;
const referencedNames = (text: string) => [...text.matchAll(VARIABLE_REF)].map((m) => m[1] ?? m[2] ?? m[3]);

describe('generated dashboards: JSON schema and lints', () => {
  test('the schema fixtures are the unchanged upstream files listed in SOURCE.md', () => {
    const source = readFileSync(join(SCHEMA_DIR, 'SOURCE.md'), 'utf8');
    const listed = [...source.matchAll(/^\| (\S+) \| \d+ \| [0-9a-f]{40} \| ([0-9a-f]{64}) \|$/gm)];
    assert.ok(listed.length >= PANEL_SCHEMAS.length + 2);
    for (const [, file, sha256] of listed) {
      const actual = createHash('sha256')
        .update(readFileSync(join(SCHEMA_DIR, file)))
        .digest('hex');
      assert.equal(actual, sha256, file);
    }
    assert.deepEqual(
      readdirSync(SCHEMA_DIR)
        .filter((f) => f !== 'SOURCE.md')
        .sort(),
      listed.map((m) => m[1]).sort(),
    );
  });

  test('three dashboards with distinct uids and titles, built the same way every time', () => {
    assert.deepEqual(
      dashboards.map((d) => d.uid),
      ['proxysweep-overview', 'proxysweep-results', 'proxysweep-am-gallery'],
    );
    assert.equal(new Set(dashboards.map((d) => d.title)).size, dashboards.length);
    assert.deepEqual(buildDashboards(), dashboards);
    for (const d of dashboards) {
      assert.equal(d.json.uid, d.uid);
      assert.equal(d.json.title, d.title);
      assert.ok(!('apiVersion' in d.json) && !('spec' in d.json), 'classic v1 JSON, not a v2 resource');
    }
  });

  for (const d of dashboards) {
    describe(d.uid, () => {
      const dash = asDashboard(d.json);
      const panels = allPanels(dash);

      test('validates against the dashboard JSON schema', () => {
        const validate = schema('dashboard');
        assert.ok(validate(d.json), errorsOf(validate));
      });

      test('panel options and field config validate against each panel type’s schema', () => {
        for (const p of panels) {
          if (p.type === 'row') continue;
          assert.ok(PANEL_SCHEMAS.includes(p.type), `${where(d.uid, p)}: no schema for panel type ${p.type}`);
          const options = schema(`${p.type}#/definitions/Options`);
          assert.ok(options(p.options ?? {}), `${where(d.uid, p)} options: ${errorsOf(options)}`);
          if (!hasDefinition(p.type, 'FieldConfig')) continue;
          const fieldConfig = schema(`${p.type}#/definitions/FieldConfig`);
          const custom = p.fieldConfig?.defaults?.custom ?? {};
          assert.ok(fieldConfig(custom), `${where(d.uid, p)} fieldConfig: ${errorsOf(fieldConfig)}`);
          // An override's custom.X is checked as the defaults with X set to it.
          for (const o of p.fieldConfig?.overrides ?? []) {
            assert.ok(['byName', 'byRegexp'].includes(o.matcher.id), `${where(d.uid, p)}: matcher ${o.matcher.id}`);
            assert.equal(typeof o.matcher.options, 'string', `${where(d.uid, p)}: matcher options`);
            for (const prop of o.properties) {
              if (!prop.id.startsWith('custom.')) continue;
              const key = prop.id.slice('custom.'.length);
              if (p.type === 'table' && key === 'cellOptions') {
                checkCellOptions(prop.value, `${where(d.uid, p)} override ${prop.id}`);
                continue;
              }
              const ok = fieldConfig({ ...custom, [key]: prop.value });
              assert.ok(ok, `${where(d.uid, p)} override ${prop.id}: ${errorsOf(fieldConfig)}`);
            }
          }
        }
      });

      test('override values for thresholds, colours and mappings validate against the dashboard schema', () => {
        const defs: Record<string, string> = {
          thresholds: 'ThresholdsConfig',
          color: 'FieldColor',
        };
        for (const p of panels) {
          for (const prop of (p.fieldConfig?.overrides ?? []).flatMap((o) => o.properties)) {
            if (prop.id === 'mappings') {
              const v = schema('dashboard#/definitions/ValueMapping');
              for (const m of prop.value as unknown[]) assert.ok(v(m), `${where(d.uid, p)} mapping: ${errorsOf(v)}`);
            } else if (defs[prop.id]) {
              const v = schema(`dashboard#/definitions/${defs[prop.id]}`);
              assert.ok(v(prop.value), `${where(d.uid, p)} ${prop.id}: ${errorsOf(v)}`);
            } else if (['unit', 'displayName'].includes(prop.id)) {
              assert.equal(typeof prop.value, 'string', `${where(d.uid, p)} ${prop.id}`);
            } else if (['decimals', 'min', 'max'].includes(prop.id)) {
              assert.equal(typeof prop.value, 'number', `${where(d.uid, p)} ${prop.id}`);
            } else {
              assert.ok(prop.id.startsWith('custom.'), `${where(d.uid, p)}: unexpected override property ${prop.id}`);
            }
          }
        }
      });

      test('panel ids are unique and positive; refIds unique per panel', () => {
        const ids = panels.map((p) => p.id);
        assert.ok(
          ids.every((id) => Number.isInteger(id) && id! > 0),
          `ids ${ids.join(',')}`,
        );
        assert.equal(new Set(ids).size, ids.length, `duplicate panel ids ${ids.join(',')}`);
        for (const p of queryPanels(dash)) {
          const refIds = p.targets!.map((t) => t.refId);
          assert.ok(
            refIds.every((r) => typeof r === 'string' && r.length > 0),
            where(d.uid, p),
          );
          assert.equal(new Set(refIds).size, refIds.length, `${where(d.uid, p)}: duplicate refIds`);
        }
      });

      test('every panel, target and variable uses the pinned Postgres datasource; every format is explicit', () => {
        const pinned = { type: PG_DATASOURCE_TYPE, uid: PG_DATASOURCE_UID };
        for (const p of panels.filter((x) => x.type !== 'row')) {
          assert.deepEqual(p.datasource, pinned, where(d.uid, p));
          assert.ok((p.targets ?? []).length > 0, `${where(d.uid, p)}: no query`);
          for (const t of p.targets!) {
            assert.deepEqual(t.datasource, pinned, `${where(d.uid, p)} target ${t.refId}`);
            assert.ok(t.format === 'table' || t.format === 'time_series', `${where(d.uid, p)}: format ${t.format}`);
            assert.equal(t.rawQuery, true);
            assert.equal(t.editorMode, 'code');
            assert.ok(t.rawSql && t.rawSql.trim().length > 0);
          }
        }
        for (const v of variablesOf(dash)) {
          assert.equal(v.type, 'query', v.name);
          assert.deepEqual(v.datasource, pinned, `variable ${v.name}`);
          assert.equal(typeof v.query, 'string', `variable ${v.name}`);
        }
      });

      test('every $variable used is defined (variables only use earlier ones); only known macros and builtins', () => {
        const defined: string[] = [];
        const check = (text: string, what: string, known: string[]) => {
          for (const name of referencedNames(text)) {
            if (name.startsWith('__')) {
              assert.ok(BUILTIN_VARIABLES.has(name) || MACROS.has(name), `${what}: unknown builtin or macro $${name}`);
            } else {
              assert.ok(known.includes(name), `${what}: $${name} is not defined`);
            }
          }
          for (const m of text.matchAll(/\$([_a-zA-Z0-9]+)\(/g)) {
            assert.ok(MACROS.has(m[1]), `${what}: $${m[1]}(...) is not a Postgres macro`);
          }
        };
        for (const v of variablesOf(dash)) {
          check(String(v.query), `variable ${v.name}`, defined);
          defined.push(v.name);
        }
        assert.equal(new Set(defined).size, defined.length, 'variable names are unique');
        for (const p of panels) {
          // Everything a panel holds (titles, SQL, display names, links) goes through interpolation.
          check(JSON.stringify(p.type === 'row' ? { title: p.title } : p), where(d.uid, p), defined);
        }
      });

      test('${__field.labels.X} display names name a field the panel partitions by', () => {
        for (const p of panels) {
          const displayNames = (p.fieldConfig?.overrides ?? [])
            .flatMap((o) => o.properties)
            .filter((prop) => prop.id === 'displayName')
            .map((prop) => String(prop.value));
          for (const dn of [p.fieldConfig?.defaults?.displayName ?? '', ...displayNames]) {
            const name = /\$\{__field\.labels\.(\w+)\}/.exec(dn)?.[1];
            if (!name) continue;
            const partition = p.transformations?.find((t) => t.id === 'partitionByValues');
            assert.deepEqual(partition?.options.fields, [name], where(d.uid, p));
          }
        }
      });

      test('trend panels set units and ranges on the y field only (panel-wide ones would bend the x axis)', () => {
        for (const p of panels.filter((x) => x.type === 'trend')) {
          const defaults = (p.fieldConfig?.defaults ?? {}) as Record<string, unknown>;
          for (const key of ['unit', 'min', 'max', 'displayName'])
            assert.ok(!(key in defaults), `${where(d.uid, p)}: ${key}`);
        }
      });

      test('gridPos fits 24 columns and panels do not overlap', () => {
        const cells = new Set<string>();
        for (const p of panels) {
          const g = p.gridPos;
          assert.ok(
            g.x >= 0 && g.y >= 0 && g.w >= 1 && g.h >= 1 && g.x + g.w <= 24,
            `${where(d.uid, p)}: ${JSON.stringify(g)}`,
          );
          for (let x = g.x; x < g.x + g.w; x++) {
            for (let y = g.y; y < g.y + g.h; y++) {
              assert.ok(!cells.has(`${x},${y}`), `${where(d.uid, p)} overlaps another panel at ${x},${y}`);
              cells.add(`${x},${y}`);
            }
          }
        }
      });
    });
  }

  test('the lints catch mistakes: a typo and a bad enum fail the schema', () => {
    const validate = schema('dashboard');
    const broken = structuredClone(dashboards[0].json) as { panels: Record<string, unknown>[] };
    broken.panels[0].gridpos = broken.panels[0].gridPos;
    assert.equal(validate(broken), false);
    const badEnum = structuredClone(dashboards[0].json) as { graphTooltip: unknown };
    badEnum.graphTooltip = 7;
    assert.equal(validate(badEnum), false);
    const options = schema('table#/definitions/Options');
    assert.equal(options({ frameIndex: 0, showHeader: true, cellHeight: 'huge' }), false);
  });
});
