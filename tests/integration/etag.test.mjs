// etag.test.mjs: a room's queue carries the same validator whichever path
// answers (nginx from the snapshot file, or a worker), and a conditional GET
// with it is 304 from either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertOk, newGuest, newRoom, addEntry, songIds, vote, BASE } from './lib.mjs';

const get = async (code, headers = {}) => {
  const res = await fetch(`${BASE}/rooms/${code}/queue`, { headers: { 'accept-encoding': 'identity', ...headers } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
};

test('the file and the worker send one ETag for a revision; If-None-Match with it, or "<revision>", is 304', async () => {
  const host = await newGuest('Etag host');
  const room = await newRoom(host);
  const songs = await songIds();
  const a = (await addEntry(room.code, host, songs[0])).entry;
  await addEntry(room.code, host, songs[1]);
  for (let round = 0; round < 3; round++) {
    assertOk(await vote(room.code, a.id, await newGuest(), 1));
    // After a write there is no file: a worker answers and leaves one.
    const fromWorker = await get(room.code);
    assert.notEqual(fromWorker.headers.get('x-data-source'), 'snapshot');
    const fromFile = await get(room.code);
    assert.equal(fromFile.headers.get('x-data-source'), 'snapshot');
    const revision = fromFile.json.data.revision;
    assert.equal(fromWorker.json.data.revision, revision);
    const etag = fromWorker.headers.get('etag');
    assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
    assert.equal(fromFile.headers.get('etag'), etag, 'the file answer carries the worker\'s validator');
    assert.equal(fromFile.headers.get('last-modified'), null);
    for (const validator of [etag, `W/${etag}`, `"${revision}"`]) {
      const c = await get(room.code, { 'if-none-match': validator });
      assert.equal(c.status, 304, validator);
      assert.equal(c.headers.get('etag'), etag);
    }
    assert.equal((await get(room.code, { 'if-none-match': `"${revision - 1}"` })).status, 200);
    // The gzip form from the file validates too.
    const gz = await fetch(`${BASE}/rooms/${room.code}/queue`, { headers: { 'accept-encoding': 'gzip' } });
    await gz.arrayBuffer();
    assert.equal(gz.headers.get('x-data-source'), 'snapshot');
    assert.equal(gz.headers.get('content-encoding'), 'gzip');
    assert.equal((await get(room.code, { 'if-none-match': gz.headers.get('etag') })).status, 304);
  }
});
