import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PG_DATASOURCE_NAME, PG_DATASOURCE_TYPE, PG_DATASOURCE_UID } from '../../dashboards';
import { datasourceBody } from '../../services/grafana';
import { packageRoot } from '../../services/paths';

const GRAFANA_DIR = join(packageRoot(), 'infra', 'grafana');
const readYaml = (path: string) =>
  parse(readFileSync(join(GRAFANA_DIR, 'provisioning', path), 'utf8')) as Record<string, unknown>;
// Grafana's provisioning interpolation: $VAR, ${VAR}, $__env{VAR}, $__file{path}. Nothing else may hold a secret.
const ENV_REF = /^(\$__env\{\w+\}|\$\{\w+\}|\$\w+|\$__file\{[^}]+\})$/;

describe('Grafana provisioning files', () => {
  const ds = (readYaml('datasources/proxysweep.yaml').datasources as Record<string, unknown>[])[0];

  test('the data source has the pinned uid, type and name the dashboards and the push client use', () => {
    assert.deepEqual(
      [ds.uid, ds.type, ds.name, ds.access],
      [PG_DATASOURCE_UID, PG_DATASOURCE_TYPE, PG_DATASOURCE_NAME, 'proxy'],
    );
    const pushed = datasourceBody({ url: 'h:5432', database: 'd', user: 'u', password: 'p' });
    assert.deepEqual(
      Object.keys(ds.jsonData as object).sort(),
      Object.keys(pushed.jsonData).sort(),
      'same settings as a push',
    );
  });

  test('connection settings and the password come only from the environment', () => {
    const jsonData = ds.jsonData as Record<string, unknown>;
    const secure = ds.secureJsonData as Record<string, unknown>;
    for (const [key, value] of Object.entries({
      url: ds.url,
      user: ds.user,
      database: jsonData.database,
      sslmode: jsonData.sslmode,
      password: secure.password,
    })) {
      assert.match(String(value), ENV_REF, `${key} must be an environment (or file) reference`);
    }
    assert.ok(!('password' in ds) && !('database' in ds), 'top-level password/database are deprecated in Grafana 12');
    const text = readFileSync(join(GRAFANA_DIR, 'provisioning', 'datasources', 'proxysweep.yaml'), 'utf8');
    assert.doesNotMatch(text, /postgres:\/\/[^\s]*:[^\s]*@/, 'no connection URL with credentials');
  });

  test('the dashboards provider reads a file folder and never lets UI edits diverge from the files', () => {
    const provider = (readYaml('dashboards/proxysweep.yaml').providers as Record<string, unknown>[])[0];
    assert.equal(provider.type, 'file');
    assert.equal(provider.allowUiUpdates, false);
    assert.match(String((provider.options as Record<string, unknown>).path), /^\/var\/lib\/grafana\/dashboards\//);
    const readme = readFileSync(join(GRAFANA_DIR, 'README.md'), 'utf8');
    assert.ok(
      readme.includes(String((provider.options as Record<string, unknown>).path)),
      'the README says where to mount the JSON',
    );
  });
});
