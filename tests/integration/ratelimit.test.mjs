// ratelimit.test.mjs: votes and adds per member, guests per address: 429 with Retry-After.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { api, assertFail, assertOk, newGuest, newRoom, addEntry, songIds, vote, restartWorkers, service, DATA } from './lib.mjs';
import { newUser, newPlaylist, uid } from './catalog_lib.mjs';

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

test('sign-ins per address and per username, sign-ups and rooms per address, searches per member, exports per user a day', async () => {
  const owner = await newUser({ username: `rl_${uid()}`, password: 'right-password' });
  const playlistId = await newPlaylist(owner);
  const host = await newGuest('limited host');
  restartWorkers({
    RATE_LOGINS: '4', RATE_LOGINS_PER_NAME: '2', RATE_LOGINS_WINDOW: '30', RATE_SIGNUPS: '2', RATE_ROOMS: '2',
    RATE_SEARCHES: '2', RATE_EXPORTS: '2',
  });
  try {
    forgetCounters();
    const login = (username, password = 'wrong-password') => api('POST', '/authentications', { body: { username, password } });
    // per username: the third try on one account is refused, even with the right password
    assertFail(await login(owner.username), 401);
    assertFail(await login(owner.username), 401);
    let r = await login(owner.username, 'right-password');
    assertFail(r, 429);
    assert.match(r.json.message, /sign-ins for one username per minute|sign-ins for one username/);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    // per address: other names, until the address has used its four
    assertFail(await login(`nobody_${uid()}`), 401);
    r = await login(`nobody_${uid()}`);
    assertFail(r, 429);
    assert.match(r.json.message, /sign-ins from one address/);

    const signup = () => api('POST', '/users', { body: { username: `s_${uid()}`, password: 'pw-123456', fullname: 'S' } });
    assertOk(await signup(), 201);
    assertOk(await signup(), 201);
    r = await signup();
    assertFail(r, 429);
    assert.match(r.json.message, /accounts from one address per hour/);

    assertOk(await api('POST', '/rooms', { token: host.token, body: { name: 'one' } }), 201);
    assertOk(await api('POST', '/rooms', { token: host.token, body: { name: 'two' } }), 201);
    r = await api('POST', '/rooms', { token: host.token, body: { name: 'three' } });
    assertFail(r, 429);
    assert.match(r.json.message, /rooms from one address per hour/);

    for (let i = 0; i < 2; i++) assert.notEqual((await api('GET', '/youtube/search?q=x', { token: host.token })).status, 429);
    r = await api('GET', '/youtube/search?q=x', { token: host.token });
    assertFail(r, 429);
    assert.match(r.json.message, /YouTube searches per minute/);

    const exp = () => api('POST', `/export/playlists/${playlistId}`, { token: owner.accessToken, body: { targetEmail: 'someone@example.com' } });
    assertOk(await exp(), 201);
    assertOk(await exp(), 201);
    r = await exp();
    assertFail(r, 429);
    assert.match(r.json.message, /exports by email per day/);
    assert.ok(Number(r.headers.get('retry-after')) > 3600, r.headers.get('retry-after'));
  } finally {
    forgetCounters();
    restartWorkers({});
  }
});

test('with Redis down the limits still hold, counted by each worker', async () => {
  const host = await newGuest();
  const room = await newRoom(host);
  const songs = await songIds();
  const entries = [];
  for (let i = 0; i < 5; i++) entries.push((await addEntry(room.code, host, songs[i])).entry.id);
  const voter = await newGuest('counted');
  restartWorkers({ QUEUED_WORKERS: '1', RATE_VOTES: '3', RATE_VOTES_WINDOW: '30' });
  service('stop', 'redis');
  try {
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push((await vote(room.code, entries[i], voter, 1)).status);
    assert.deepEqual(answers, [200, 200, 200, 429, 429]);
  } finally {
    service('start', 'redis');
    restartWorkers({});
  }
});

test('password hashes are bounded: a flood of sign-ins gets 503 with Retry-After instead of taking every core', async () => {
  const user = await newUser({ username: `flood_${uid()}`, password: 'flood-password' });
  restartWorkers({ HASH_CONCURRENCY: '1', QUEUED_WORKERS: '4' });
  try {
    forgetCounters();
    const answers = await Promise.all(Array.from({ length: 12 }, () =>
      api('POST', '/authentications', { body: { username: user.username, password: 'flood-password' } })));
    const statuses = answers.map((r) => r.status);
    assert.ok(statuses.includes(201), statuses.join(','));
    const busy = answers.filter((r) => r.status === 503);
    assert.ok(busy.length >= 1, `no sign-in was turned away: ${statuses.join(',')}`);
    for (const r of busy) {
      assertFail(r, 503);
      assert.equal(r.headers.get('retry-after'), '1');
    }
    assert.ok(statuses.every((s) => s === 201 || s === 503 || s === 429), statuses.join(','));
  } finally {
    forgetCounters();
    restartWorkers({});
  }
});
