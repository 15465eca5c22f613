// pins.test.mjs: "play next" and the host's manual reorder (PUT/DELETE
// /rooms/{code}/queue/{entryId}/pin): who may, positions and their clamp,
// refusals that change nothing, advance plays pinned entries first in pin
// order, votes never lift an entry over a pinned one, the pinned list closes
// up when a pinned entry leaves, and one "pins" message per change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertOk, assertFail, newGuest, newRoom, addEntry, vote, queue, sse, until, sleep, subscriberCount } from './lib.mjs';
import { newSong } from './catalog_lib.mjs';

const pin = (code, who, id, body = {}) => api('PUT', `/rooms/${code}/queue/${id}/pin`, { token: who?.token, body });
const unpin = (code, who, id) => api('DELETE', `/rooms/${code}/queue/${id}/pin`, { token: who?.token });
const advance = (code, who, currentEntryId) => api('POST', `/rooms/${code}/advance`, { token: who.token, body: { currentEntryId } });
const snapshot = async (code) => assertOk(await queue(code));
/** Up next as [id, pinned] pairs, in the server's order. */
const upNext = async (code) => (await snapshot(code)).entries.map((e) => [e.id, e.pinned]);

/** A room with a host and n entries added by the host, in arrival order (all score 0). */
async function roomWithEntries(n) {
  const host = await newGuest('host');
  const room = await newRoom(host);
  const ids = [];
  for (let i = 0; i < n; i++) ids.push((await addEntry(room.code, host, await newSong({ duration: 180 }))).entry.id);
  return { host, code: room.code, ids };
}

test('play next: the pinned entry goes first, later pins after it, and every waiting entry carries pinned', async () => {
  const { host, code, ids: [a, b, c, d] } = await roomWithEntries(4);
  assert.deepEqual(await upNext(code), [[a, null], [b, null], [c, null], [d, null]]);
  const r = assertOk(await pin(code, host, c));
  assert.deepEqual(r.pinned, [c]);
  assert.equal(r.changed, true);
  assert.equal(r.entryId, c);
  assert.equal(r.revision, (await snapshot(code)).revision);
  assert.deepEqual(await upNext(code), [[c, 0], [a, null], [b, null], [d, null]]);
  assert.deepEqual(assertOk(await pin(code, host, d)).pinned, [c, d]);
  assert.deepEqual(await upNext(code), [[c, 0], [d, 1], [a, null], [b, null]]);
  // An entry added now is not pinned and its message says so.
  const e = (await addEntry(code, host, await newSong({ duration: 180 }))).entry;
  assert.equal(e.pinned, null);
});

test('host and co-hosts may pin and unpin; members, strangers, the banned and anonymous callers may not', async () => {
  const { host, code, ids: [a, b] } = await roomWithEntries(2);
  const cohost = await newGuest('co');
  const member = await newGuest('member');
  const banned = await newGuest('banned');
  const stranger = await newGuest('stranger');
  for (const m of [cohost, member, banned]) await addEntry(code, m, await newSong({ duration: 180 }));
  assertOk(await api('POST', `/rooms/${code}/cohosts`, { token: host.token, body: { memberId: cohost.id } }));
  assertOk(await api('POST', `/rooms/${code}/bans`, { token: host.token, body: { memberId: banned.id } }));
  const before = await snapshot(code);
  for (const who of [member, banned, stranger]) {
    assertFail(await pin(code, who, b), 403);
    assertFail(await unpin(code, who, b), 403);
  }
  assert.match((await pin(code, member, b)).json.message, /host/);
  assertFail(await pin(code, null, b), 401);
  assertFail(await unpin(code, null, b), 401);
  assert.equal((await snapshot(code)).revision, before.revision, 'refusals change nothing');
  assert.deepEqual(assertOk(await pin(code, cohost, b)).pinned, [b]);
  assert.deepEqual(assertOk(await unpin(code, cohost, b)).pinned, []);
  assert.deepEqual(assertOk(await pin(code, host, a, { position: 0 })).pinned, [a]);
});

test('position: moves a pinned entry, pins the entries ahead of a later index, clamps past the end', async () => {
  const { host, code, ids: [a, b, c, d, e] } = await roomWithEntries(5);
  const fan = await newGuest('fan');
  assertOk(await vote(code, e, fan, 1)); // order by score: e, a, b, c, d
  assert.deepEqual((await upNext(code)).map(([id]) => id), [e, a, b, c, d]);
  // Index 2 lies past the (no) pinned entries: e and a are pinned ahead of d, so d is exactly at 2.
  assert.deepEqual(assertOk(await pin(code, host, d, { position: 2 })).pinned, [e, a, d]);
  assert.deepEqual(await upNext(code), [[e, 0], [a, 1], [d, 2], [b, null], [c, null]]);
  // A pinned entry moves within the pinned ones.
  assert.deepEqual(assertOk(await pin(code, host, d, { position: 0 })).pinned, [d, e, a]);
  assert.deepEqual(assertOk(await pin(code, host, d, { position: 1 })).pinned, [e, d, a]);
  // An unpinned one to an index among the pinned ones: inserted there.
  assert.deepEqual(assertOk(await pin(code, host, c, { position: 1 })).pinned, [e, c, d, a]);
  // Move down past the pinned ones: the entry it passes is pinned ahead of it.
  assert.deepEqual(assertOk(await pin(code, host, a, { position: 4 })).pinned, [e, c, d, b, a]);
  assert.deepEqual((await upNext(code)).map(([id]) => id), [e, c, d, b, a]);
  // No position: last of the pinned entries (an already pinned one moves there).
  assert.deepEqual(assertOk(await pin(code, host, e, {})).pinned, [c, d, b, a, e]);
  // Past the end: the last index.
  assertOk(await unpin(code, host, c));
  assert.deepEqual(assertOk(await pin(code, host, c, { position: 1000000000000 })).pinned, [d, b, a, e, c]);
  assert.deepEqual((await upNext(code)).map(([id]) => id), [d, b, a, e, c]);
});

test('unchanged pins and unpins answer 200 without a new revision', async () => {
  const { host, code, ids: [a, b, c] } = await roomWithEntries(3);
  assertOk(await pin(code, host, b));
  const rev = (await snapshot(code)).revision;
  for (const res of [await pin(code, host, b, { position: 0 }), await pin(code, host, b), await unpin(code, host, c)]) {
    const data = assertOk(res);
    assert.equal(data.changed, false);
    assert.equal(data.revision, rev);
    assert.deepEqual(data.pinned, [b]);
  }
  assert.equal((await snapshot(code)).revision, rev);
  // a is already at index 1, but unpinned: pinning it there is a change.
  assert.equal(assertOk(await pin(code, host, a, { position: 1 })).changed, true);
  assert.deepEqual(await upNext(code), [[b, 0], [a, 1], [c, null]]);
  const again = assertOk(await pin(code, host, a, { position: 1 }));
  assert.deepEqual([again.changed, again.revision, again.pinned], [false, rev + 1, [b, a]]);
});

test('bad input is refused and changes nothing: bad positions 400, unknown entry 404, an entry no longer waiting 409', async () => {
  const { host, code, ids: [a, b, c, d] } = await roomWithEntries(4);
  assertOk(await pin(code, host, c));
  const before = await snapshot(code);
  for (const position of [-1, 1.5, '1', true, [0], { at: 1 }]) {
    const res = await pin(code, host, a, { position });
    assertFail(res, 400);
    assert.match(res.json.message, /position/);
  }
  assertFail(await api('PUT', `/rooms/${code}/queue/${a}/pin`, { token: host.token, body: '[1]' }), 400);
  assertFail(await pin(code, host, 999999999), 404);
  assertFail(await unpin(code, host, 999999999), 404);
  assertFail(await pin(code, host, 'x1'), 404);
  assertFail(await api('PUT', `/rooms/ZZZZZZ/queue/${a}/pin`, { token: host.token, body: {} }), 404);
  // Another room's entry is unknown here.
  const other = await roomWithEntries(1);
  assertFail(await pin(code, host, other.ids[0]), 404);
  assert.deepEqual(await snapshot(code), before, 'nothing changed');

  assertOk(await advance(code, host, null)); // c (pinned) plays
  assertOk(await api('DELETE', `/rooms/${code}/queue/${d}`, { token: host.token }));
  const rev = (await snapshot(code)).revision;
  const playing = await pin(code, host, c);
  assertFail(playing, 409);
  assert.match(playing.json.message, /playing/);
  assertOk(await advance(code, host, c));
  const played = await pin(code, host, c, { position: 0 });
  assertFail(played, 409);
  assert.match(played.json.message, /played/);
  const removed = await pin(code, host, d);
  assertFail(removed, 409);
  assert.match(removed.json.message, /removed/);
  assert.equal((await snapshot(code)).revision, rev + 1, 'only the advance moved the revision');
  // Unpinning an entry that is not pinned (any more) changes nothing.
  assert.equal(assertOk(await unpin(code, host, c)).changed, false);
  void b;
});

test('advance and skip play the pinned entries first, in pin order, then the room order', async () => {
  const { host, code, ids: [a, b, c, d] } = await roomWithEntries(4);
  const fans = [await newGuest('f1'), await newGuest('f2')];
  for (const f of fans) assertOk(await vote(code, a, f, 1));
  assertOk(await pin(code, host, d));
  assertOk(await pin(code, host, c));
  let now = assertOk(await advance(code, host, null)).nowPlaying;
  assert.equal(now.id, d);
  assert.deepEqual(await upNext(code), [[c, 0], [a, null], [b, null]], 'the pinned list closed up');
  // Vote-to-skip moves on the same way: two skip votes with no listeners.
  for (const f of fans) assertOk(await api('POST', `/rooms/${code}/skip`, { token: f.token, body: { entryId: d } }));
  now = (await snapshot(code)).nowPlaying;
  assert.equal(now.id, c);
  now = assertOk(await advance(code, host, c)).nowPlaying;
  assert.equal(now.id, a, 'then the room order: score first');
  assert.equal(assertOk(await advance(code, host, a)).nowPlaying.id, b);
});

test('a vote never lifts an entry above a pinned one, nor one pinned entry above another', async () => {
  const { host, code, ids: [a, b, c, d] } = await roomWithEntries(4);
  assertOk(await pin(code, host, b));
  assertOk(await pin(code, host, c));
  const voters = await Promise.all([1, 2, 3].map((i) => newGuest(`v${i}`)));
  for (const v of voters) {
    assertOk(await vote(code, c, v, 1));
    assertOk(await vote(code, d, v, 1));
  }
  assertOk(await vote(code, b, voters[0], -1));
  assert.deepEqual(await upNext(code), [[b, 0], [c, 1], [d, null], [a, null]]);
});

test('a pinned entry that leaves the queue closes up the pinned list of the others', async () => {
  const { host, code, ids: [a, b, c, d] } = await roomWithEntries(4);
  const guest = await newGuest('g');
  const g = (await addEntry(code, guest, await newSong({ duration: 180 }))).entry.id;
  for (const id of [b, g, d]) assertOk(await pin(code, host, id));
  assertOk(await api('DELETE', `/rooms/${code}/queue/${b}`, { token: host.token }));
  assert.deepEqual(await upNext(code), [[g, 0], [d, 1], [a, null], [c, null]]);
  assertOk(await api('POST', `/rooms/${code}/bans`, { token: host.token, body: { memberId: guest.id } }));
  assert.deepEqual(await upNext(code), [[d, 0], [a, null], [c, null]]);
  // Pins go on from the closed-up list.
  assert.deepEqual(assertOk(await pin(code, host, a)).pinned, [d, a]);
});

test('each change publishes one "pins" message with its revision over SSE; an unchanged one publishes nothing', async () => {
  const { host, code, ids: [a, b, c] } = await roomWithEntries(3);
  const sub = sse(`/rooms/${code}/events`);
  await sub.opened;
  await until(async () => (await subscriberCount(code)) >= 1, 2000, 'the subscriber');
  const rev = (await snapshot(code)).revision;
  assertOk(await pin(code, host, c));
  assertOk(await pin(code, host, c)); // unchanged
  assertOk(await pin(code, host, b, { position: 0 }));
  assertOk(await unpin(code, host, c));
  assertOk(await unpin(code, host, c)); // unchanged
  await sub.waitFor((e) => e.data.revision === rev + 3, 3000);
  await sleep(150);
  sub.close();
  assert.deepEqual(sub.events.map((e) => e.data), [
    { type: 'pins', revision: rev + 1, pinned: [c] },
    { type: 'pins', revision: rev + 2, pinned: [b, c] },
    { type: 'pins', revision: rev + 3, pinned: [b] },
  ]);
  assert.equal((await snapshot(code)).revision, rev + 3);
  assert.deepEqual(await upNext(code), [[b, 0], [a, null], [c, null]]);
});

test('a closed room takes no pins: 410, and its snapshot stays as it was', async () => {
  const { host, code, ids: [a, b] } = await roomWithEntries(2);
  assertOk(await pin(code, host, b));
  assertOk(await api('POST', `/rooms/${code}/close`, { token: host.token }));
  assertFail(await pin(code, host, a, { position: 0 }), 410);
  assertFail(await unpin(code, host, b), 410);
});
