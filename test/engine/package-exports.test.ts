import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as local from '../../services/engine';

test("require('proxysweep/engine') is the compiled engine with the DESIGN contract", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const engine = require('proxysweep/engine') as typeof local;
  for (const name of [
    'tf',
    'proxyLeakyRelu',
    'ProxyLeakyReLU',
    'setBackwardSlope',
    'maximizeActivation',
    'loadDataset',
    'buildModel',
    'trainModel',
  ]) {
    assert.ok(name in engine, name);
  }
  // The very same module instance as the relative import: one TensorFlow.js engine for callers and us.
  assert.equal(engine.tf, local.tf);
  assert.equal(engine.ProxyLeakyReLU, local.ProxyLeakyReLU);
});
