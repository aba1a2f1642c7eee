import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { pause } from '../../services/cli/watch';

describe('watch polling', () => {
  test('every poll removes its abort listener (no MaxListenersExceededWarning however long a sweep runs)', async () => {
    const interrupt = new AbortController();
    for (let i = 0; i < 30; i++) await pause(1, interrupt.signal);
    assert.equal(getEventListeners(interrupt.signal, 'abort').length, 0);
    const pending = pause(60_000, interrupt.signal);
    assert.equal(getEventListeners(interrupt.signal, 'abort').length, 1);
    interrupt.abort();
    await pending; // an abort ends the wait at once
    assert.equal(getEventListeners(interrupt.signal, 'abort').length, 0);
  });
});
