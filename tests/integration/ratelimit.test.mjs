// ratelimit.test.mjs: votes and adds per member, guests per address: 429 with Retry-After.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { api, assertFail, assertOk, newGuest, newRoom, addEntry, songIds, vote, restartWorkers, DATA } from './lib.mjs';

function forgetCounters() {
  execFileSync('redis-cli', ['-s', `${DATA}/run/redis.sock`, 'EVAL',
    "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end return 1", '0', 'queued:rate:*']);
}

test('over the limit: 429 in JSON with Retry-After, per member and per address', async () => {
  const host = await newGuest();
  const room = await newRoom(host);
  const songs = await songIds();
  const entries = [];
  for (let i = 0; i < 6; i++) entries.push((await addEntry(room.code, host, songs[i])).entry.id);
  restartWorkers({ RATE_VOTES: '3', RATE_VOTES_WINDOW: '30', RATE_ADDS: '2', RATE_ADDS_WINDOW: '30', RATE_GUESTS: '3', RATE_GUESTS_WINDOW: '30' });
  try {
    forgetCounters();
    // Guests per address.
    for (let i = 0; i < 3; i++) assertOk(await api('POST', '/guests', { body: { name: `g${i}` } }), 201);
    let r = await api('POST', '/guests', { body: { name: 'one too many' } });
    assertFail(r, 429);
    const wait = Number(r.headers.get('retry-after'));
    assert.ok(wait >= 1 && wait <= 30, `Retry-After ${r.headers.get('retry-after')}`);
    forgetCounters();
    const a = await newGuest('a');
    const b = await newGuest('b');

    // Votes per member: a's fourth vote is refused, b is not affected.
    for (let i = 0; i < 3; i++) assertOk(await vote(room.code, entries[i], a, 1));
    r = await vote(room.code, entries[3], a, 1);
    assertFail(r, 429);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assertOk(await vote(room.code, entries[3], b, 1));
    // The refused vote changed nothing.
    const q = assertOk(await api('GET', `/rooms/${room.code}/queue`));
    assert.equal(q.entries.find((e) => e.id === entries[3]).score, 1);

    // Adds per member.
    assertOk(await api('POST', `/rooms/${room.code}/queue`, { token: a.token, body: { songId: songs[10] } }), 201);
    assertOk(await api('POST', `/rooms/${room.code}/queue`, { token: a.token, body: { songId: songs[11] } }), 201);
    assertFail(await api('POST', `/rooms/${room.code}/queue`, { token: a.token, body: { songId: songs[12] } }), 429);
    assertOk(await api('POST', `/rooms/${room.code}/queue`, { token: b.token, body: { songId: songs[12] } }), 201);
  } finally {
    forgetCounters();
    restartWorkers({});
  }
});
