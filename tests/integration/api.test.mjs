// api.test.mjs: the API surface: guests, rooms, songs, queue, and every kind of bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertFail, assertOk, newGuest, newRoom, addEntry, songIds, queue, BASE } from './lib.mjs';

test('a guest gets a signed token that carries its name', async () => {
  const g = await newGuest('Ada');
  assert.match(g.id, /^guest-[A-Za-z0-9_-]{16}$/);
  assert.equal(g.name, 'Ada');
  const [, payload] = g.token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  assert.equal(claims.id, g.id);
  assert.equal(claims.name, 'Ada');
});

test('creating a room: short unambiguous code, revision 0, creator is host', async () => {
  const host = await newGuest('Host');
  const room = await newRoom(host, 'Friday');
  assert.match(room.code, /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$/);
  assert.equal(room.name, 'Friday');
  assert.equal(room.revision, 0);
  assert.deepEqual(room.host, { id: host.id, name: 'Host' });
  const got = assertOk(await api('GET', `/rooms/${room.code}`)).room;
  assert.equal(got.id, room.id);
  // Codes are typed by people: lower case finds the same room.
  assert.equal(assertOk(await api('GET', `/rooms/${room.code.toLowerCase()}`)).room.id, room.id);
});

test('song search: case-insensitive substring on title and performer, combined with AND', async () => {
  const all = assertOk(await api('GET', '/songs')).songs;
  assert.ok(all.length >= 20);
  for (const s of all) assert.deepEqual(Object.keys(s).sort(), ['id', 'performer', 'title']);
  const byTitle = assertOk(await api('GET', '/songs?title=QUEEN')).songs;
  assert.deepEqual(byTitle.map((s) => s.title), ['Dancing Queen']);
  const byPerformer = assertOk(await api('GET', '/songs?performer=queen')).songs;
  assert.deepEqual(byPerformer.map((s) => s.title).sort(), ["Bohemian Rhapsody", "Don't Stop Me Now"]);
  const both = assertOk(await api('GET', '/songs?title=don&performer=QUEEN')).songs;
  assert.deepEqual(both.map((s) => s.title), ["Don't Stop Me Now"]);
  assert.deepEqual(assertOk(await api('GET', '/songs?title=%25')).songs, []); // % is literal
  assert.deepEqual(assertOk(await api('GET', '/songs?title=zzzz-none')).songs, []);
});

test('adding a song: a new entry at score 0, in the queue, not a vote', async () => {
  const host = await newGuest('H');
  const room = await newRoom(host);
  // A demo song, which has a duration (songs other tests add may have none).
  const [song] = assertOk(await api('GET', `/songs?title=${encodeURIComponent("Don't Stop Me Now")}`)).songs.map((s) => s.id);
  const added = await addEntry(room.code, host, song);
  assert.equal(added.entry.score, 0);
  assert.equal(added.entry.song.id, song);
  assert.equal(typeof added.entry.song.title, 'string');
  assert.equal(typeof added.entry.song.duration, 'number');
  assert.deepEqual(added.entry.addedBy, { id: host.id, name: 'H' });
  assert.equal(added.revision, 1);
  const q = assertOk(await queue(room.code));
  assert.equal(q.revision, 1);
  assert.deepEqual(q.entries.map((e) => e.id), [added.entry.id]);
  assert.equal(q.entries[0].score, 0);
});

test('unknown paths are 404 and known paths with another method 405, in JSON', async () => {
  assertFail(await api('GET', '/no/such/thing'), 404);
  assertFail(await api('POST', '/definitely-not-here', { body: {} }), 404);
  const r = await api('DELETE', '/songs');
  assertFail(r, 405);
  assert.equal(r.headers.get('allow'), 'POST, GET');
  assertFail(await api('GET', '/guests'), 405);
});

test('malformed JSON, wrong JSON types and wrong content type are 4xx, never 5xx', async () => {
  const g = await newGuest();
  const room = await newRoom(g);
  const [song] = await songIds();
  const { entry } = await addEntry(room.code, g, song);
  const vote = `/rooms/${room.code}/queue/${entry.id}/vote`;
  for (const body of ['{', '{"value":1', 'nope', '', '{"value":1}{}', "{'value':1}", '[1]', '"x"', 'null']) {
    assertFail(await api('PUT', vote, { token: g.token, body }), 400);
  }
  for (const value of ['1', 1.5, true, null, {}, [1], 2, -2, 1e30]) {
    assertFail(await api('PUT', vote, { token: g.token, body: { value } }), 400);
  }
  assertFail(await api('PUT', vote, { token: g.token, body: {} }), 400);
  for (const name of [5, true, null, {}, [], '', 'x'.repeat(200)]) {
    assertFail(await api('POST', '/guests', { body: { name } }), 400);
    assertFail(await api('POST', '/rooms', { token: g.token, body: { name } }), 400);
  }
  for (const songId of [5, null, {}, '']) {
    assertFail(await api('POST', `/rooms/${room.code}/queue`, { token: g.token, body: { songId } }), 400);
  }
  assertFail(await api('POST', '/guests', { body: '{"name":"x"}', headers: { 'content-type': 'text/plain' } }), 415);
});

test('oversized bodies are 413 in JSON, from the worker and from nginx', async () => {
  const big = JSON.stringify({ name: 'x'.repeat(70 * 1024) });
  assertFail(await api('POST', '/guests', { body: big }), 413);
  const huge = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) });
  assertFail(await api('POST', '/guests', { body: huge }), 413);
});

test('unknown room, entry and song are 404', async () => {
  const g = await newGuest();
  const room = await newRoom(g);
  const [song] = await songIds();
  const { entry } = await addEntry(room.code, g, song);
  assertFail(await api('GET', '/rooms/ZZZZZZ'), 404);
  assertFail(await api('GET', '/rooms/nope/queue'), 404);
  assertFail(await api('GET', '/rooms/ZZZZZZ/queue'), 404);
  assertFail(await api('POST', '/rooms/ZZZZZZ/queue', { token: g.token, body: { songId: song } }), 404);
  assertFail(await api('POST', `/rooms/${room.code}/queue`, { token: g.token, body: { songId: 'song-nope' } }), 404);
  assertFail(await api('PUT', `/rooms/ZZZZZZ/queue/${entry.id}/vote`, { token: g.token, body: { value: 1 } }), 404);
  for (const id of ['999999999', 'abc', '0', '-1', '1.5', '99999999999999999999999']) {
    assertFail(await api('PUT', `/rooms/${room.code}/queue/${id}/vote`, { token: g.token, body: { value: 1 } }), 404);
  }
  // An entry of another room is not found through this room.
  const other = await newRoom(g);
  assertFail(await api('PUT', `/rooms/${other.code}/queue/${entry.id}/vote`, { token: g.token, body: { value: 1 } }), 404);
});

test('missing, malformed, forged and expired tokens are 401', async () => {
  const g = await newGuest();
  const room = await newRoom(g);
  const path = '/rooms';
  assertFail(await api('POST', path, { body: { name: 'x' } }), 401);
  assertFail(await api('POST', path, { body: { name: 'x' }, headers: { authorization: 'Basic abc' } }), 401);
  assertFail(await api('POST', path, { body: { name: 'x' }, token: 'not.a.token' }), 401);
  assertFail(await api('POST', path, { body: { name: 'x' }, token: 'garbage' }), 401);
  const [h, p, s] = g.token.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  const forge = (c) => `${h}.${Buffer.from(JSON.stringify(c)).toString('base64url')}.${s}`;
  assertFail(await api('POST', path, { body: { name: 'x' }, token: forge({ ...claims, name: 'Mallory' }) }), 401);
  const none = Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url');
  assertFail(await api('POST', path, { body: { name: 'x' }, token: `${none}.${p}.` }), 401);
  assertFail(await api('POST', path, { body: { name: 'x' }, token: `${h}.${p}.${s.slice(0, -2)}AA` }), 401);
  assertFail(await api('POST', `/rooms/${room.code}/queue`, { body: { songId: 'x' } }), 401);
  assertFail(await api('PUT', `/rooms/${room.code}/queue/1/vote`, { body: { value: 1 } }), 401);
});

test('every API answer is application/json; charset=utf-8', async () => {
  for (const [m, p] of [['GET', '/songs'], ['GET', '/nope'], ['GET', '/rooms/ZZZZZZ'], ['PATCH', '/songs']]) {
    const r = await api(m, p);
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8', `${m} ${p}`);
  }
  // The static client is nginx's to serve.
  const index = await fetch(BASE + '/');
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /text\/html/);
});
