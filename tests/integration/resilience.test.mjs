// resilience.test.mjs: the cache, Redis and PostgreSQL going away, dying workers, graceful stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import zlib from 'node:zlib';
import { api, assertOk, assertFail, newGuest, newRoom, addEntry, songIds, vote, queue, service, until, sleep, catalogAdminToken, DATA, BASE } from './lib.mjs';

/** A GET with exactly these headers (fetch would add and undo its own Accept-Encoding). */
function rawGet(pathname, headers) {
  return new Promise((resolve, reject) => {
    http.get(new URL(pathname, BASE), { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

async function roomWithEntry() {
  const host = await newGuest();
  const room = await newRoom(host);
  const [song] = await songIds();
  const { entry } = await addEntry(room.code, host, song);
  return { host, room, entry };
}

test('queue reads: database, then the snapshot file from nginx; one ETag from the revision; If-None-Match gives 304', async () => {
  const { room, entry } = await roomWithEntry();
  let r = await queue(room.code);
  const first = assertOk(r);
  const etag = r.headers.get('etag');
  assert.match(etag, new RegExp(`^(W/)?"${first.revision.toString(16)}-[0-9a-f]+"$`));
  assert.equal(r.headers.get('x-data-source'), 'database');
  // The worker left the answer as a file: nginx serves the same bytes itself.
  r = await queue(room.code);
  assert.equal(r.headers.get('x-data-source'), 'snapshot');
  assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal(r.headers.get('cache-control'), 'no-cache');
  // nginx's own ETag for the file (its mtime is the revision) is the worker's
  // (etag.test.mjs compares them byte for byte without compression).
  assert.match(r.headers.get('etag') ?? '', new RegExp(`^(W/)?"${first.revision.toString(16)}-[0-9a-f]+"$`));
  assert.equal(r.headers.get('last-modified'), null);
  assert.ok(Math.abs(Number(r.headers.get('x-server-time')) - Date.now()) < 5000, 'X-Server-Time in ms');
  assert.deepEqual(assertOk(r), first);
  // Compressed once by the worker, not per read: nginx sends the .gz beside the file.
  assert.ok(fs.existsSync(`${DATA}/snapshots/queue/${room.code}.json.gz`));
  const gz = await rawGet(`/rooms/${room.code}/queue`, { 'accept-encoding': 'gzip' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gz.headers['x-data-source'], 'snapshot');
  assert.match(gz.headers.vary ?? '', /Accept-Encoding/i);
  // The very file, not nginx compressing on the fly (that would be chunked).
  assert.equal(gz.headers['content-length'], String(fs.statSync(`${DATA}/snapshots/queue/${room.code}.json.gz`).size));
  assert.deepEqual(JSON.parse(zlib.gunzipSync(gz.body).toString('utf8')).data, first);
  const head = await api('HEAD', `/rooms/${room.code}/queue`);
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('x-data-source'), 'snapshot');
  assert.equal(head.text, '');
  // Conditional requests are the workers' to answer, from the Redis cache.
  r = await queue(room.code, { 'if-none-match': `"${first.revision}"` });
  assert.equal(r.status, 304);
  assert.equal(r.text, '');
  r = await queue(room.code, { 'if-none-match': '"999999"' });
  assert.equal(r.headers.get('x-data-source'), 'cache');
  assert.equal(r.headers.get('etag'), etag.replace(/^W\//, ''));
  assert.deepEqual(assertOk(r), first);

  // After a vote the next read shows the new revision, never the cached one or the file.
  const d = assertOk(await vote(room.code, entry.id, await newGuest(), 1));
  r = await queue(room.code, { 'if-none-match': `"${first.revision}"` });
  const after = assertOk(r);
  assert.equal(after.revision, d.revision);
  assert.equal(after.entries[0].score, 1);
  assert.match(r.headers.get('etag'), new RegExp(`^(W/)?"${d.revision.toString(16)}-[0-9a-f]+"$`));
  r = await queue(room.code);
  assert.equal(assertOk(r).revision, d.revision);
  assert.equal(r.headers.get('x-data-source'), 'snapshot');
});

test('the snapshot file never answers older than a write the reader has seen', async () => {
  const { room, entry } = await roomWithEntry();
  const voters = await Promise.all(Array.from({ length: 30 }, () => newGuest()));
  let fromFile = 0;
  for (const [i, v] of voters.entries()) {
    // Make sure a file is there, then write, then read.
    assertOk(await queue(room.code));
    const before = await queue(room.code);
    if (before.headers.get('x-data-source') === 'snapshot') fromFile++;
    const d = assertOk(await vote(room.code, entry.id, v, i % 2 ? -1 : 1));
    const q = assertOk(await queue(room.code));
    assert.equal(q.revision, d.revision, `read after vote ${i}`);
    assert.equal(q.entries[0].score, d.score);
  }
  assert.equal(fromFile, voters.length, 'every read before a write came from the file');
  // A change that is not a room action (a catalog edit of a queued song) removes it too.
  const q0 = assertOk(await queue(room.code));
  assertOk(await queue(room.code));
  const songRes = assertOk(await api('GET', `/songs/${entry.song.id}`)).song;
  assertOk(await api('PUT', `/songs/${entry.song.id}`, { token: await catalogAdminToken(), body: { title: `${songRes.title} (live)`, year: songRes.year, genre: songRes.genre, performer: songRes.performer, duration: songRes.duration } }));
  const q1 = assertOk(await queue(room.code));
  assert.ok(q1.revision > q0.revision);
  assert.equal(q1.entries[0].song.title, `${songRes.title} (live)`);
  assertOk(await api('PUT', `/songs/${entry.song.id}`, { token: await catalogAdminToken(), body: { title: songRes.title, year: songRes.year, genre: songRes.genre, performer: songRes.performer, duration: songRes.duration } }));
});

test('reads racing writes never leave the cache behind the database', async () => {
  const { room, entry } = await roomWithEntry();
  const voters = await Promise.all(Array.from({ length: 40 }, () => newGuest()));
  const reads = [];
  const writes = voters.map(async (v) => {
    reads.push(queue(room.code));
    const d = assertOk(await vote(room.code, entry.id, v, 1));
    reads.push(queue(room.code));
    return d.revision;
  });
  const revs = await Promise.all(writes);
  await Promise.all(reads);
  const last = Math.max(...revs);
  // Read twice: the first may leave the file, the second must come from it. Both current.
  for (let i = 0; i < 2; i++) {
    const r = await queue(room.code);
    const q = assertOk(r);
    assert.equal(q.revision, last);
    assert.equal(q.entries[0].score, 40);
    if (i === 1) assert.equal(r.headers.get('x-data-source'), 'snapshot');
  }
});

test('a Redis that dies is started again by the stack, and the cache serves again', async () => {
  const { room, entry } = await roomWithEntry();
  const pid = Number(fs.readFileSync(`${DATA}/run/redis.pid`, 'utf8'));
  process.kill(pid, 'SIGKILL');
  // Votes go on meanwhile (PostgreSQL is the truth).
  const d = assertOk(await vote(room.code, entry.id, await newGuest(), 1));
  await until(() => {
    try {
      const now = Number(fs.readFileSync(`${DATA}/run/redis.pid`, 'utf8'));
      return now !== pid && execFileSync('redis-cli', ['-s', `${DATA}/run/redis.sock`, 'ping']).toString().trim() === 'PONG';
    } catch { return false; }
  }, 5000, 'Redis back by itself');
  const d2 = assertOk(await vote(room.code, entry.id, await newGuest(), 1));
  assert.equal(d2.revision, d.revision + 1);
  await until(async () => (await queue(room.code)).headers.get('x-data-source') === 'snapshot', 10000, 'the cache');
  assert.equal(assertOk(await queue(room.code)).revision, d2.revision);
});

test('with Redis stopped, reads come from PostgreSQL and votes still succeed; then the cache returns', async () => {
  const { room, entry } = await roomWithEntry();
  // A file is left by a worker that can reach Redis (one still in its reconnect
  // back-off from the test before leaves none): read until nginx serves it.
  await until(async () => (await queue(room.code)).headers.get('x-data-source') === 'snapshot', 10000, 'the snapshot file');
  service('stop', 'redis');
  try {
    // The file left before Redis went away is still the room as it is.
    let r = await queue(room.code);
    assertOk(r);
    assert.equal(r.headers.get('x-data-source'), 'snapshot');
    const d = assertOk(await vote(room.code, entry.id, await newGuest(), 1));
    // The vote removed it, and with nothing to check a file against, none is left again.
    for (let i = 0; i < 2; i++) {
      r = await queue(room.code);
      const q = assertOk(r);
      assert.equal(r.headers.get('x-data-source'), 'database');
      assert.equal(q.revision, d.revision);
      assert.equal(q.entries[0].score, 1);
    }
    const added = await addEntry(room.code, await newGuest(), (await songIds())[3]);
    assert.equal(added.revision, d.revision + 1);
  } finally {
    service('start', 'redis');
  }
  // Back: after the reconnect back-off, reads are cached again and current.
  const d2 = assertOk(await vote(room.code, entry.id, await newGuest(), 1));
  await until(async () => (await queue(room.code)).headers.get('x-data-source') === 'snapshot', 10000, 'the cache');
  const q = assertOk(await queue(room.code));
  assert.equal(q.revision, d2.revision);
  assert.equal(q.entries[0].score, 2);
});

test('with PostgreSQL stopped, requests get 503 in JSON; after it returns, the same workers serve again', async () => {
  const { room, entry } = await roomWithEntry();
  const voter = await newGuest();
  service('stop', 'postgres');
  try {
    assertFail(await vote(room.code, entry.id, voter, 1), 503);
    const down = await api('GET', '/songs');
    assertFail(down, 503);
    // Unavailable for now: the answer says when to try again.
    assert.ok(Number(down.headers.get('retry-after')) >= 1, `Retry-After: ${down.headers.get('retry-after')}`);
    assertFail(await queue(room.code), 503);
  } finally {
    service('start', 'postgres');
  }
  await until(async () => (await vote(room.code, entry.id, voter, 1)).status === 200, 10000, 'PostgreSQL back');
  const q = assertOk(await queue(room.code));
  assert.equal(q.entries[0].score, 1);
});

test('snapshot files from before the workers started are never served', async () => {
  const { room } = await roomWithEntry();
  const fresh = assertOk(await queue(room.code));
  const file = `${DATA}/snapshots/queue/${room.code}.json`;
  // A worker whose Redis connection died with an earlier test's Redis places
  // no file until it has reconnected (up to a second): read until one does.
  await until(async () => { assertOk(await queue(room.code)); return fs.existsSync(file); }, 5000, 'a read that left a file');
  service('stop', 'workers');
  try {
    // As if the database had moved on while nothing was running (a restore, a crash).
    fs.writeFileSync(file, JSON.stringify({ status: 'success', data: { ...fresh, revision: 0, entries: [] } }));
  } finally {
    service('start', 'workers');
  }
  const r = await queue(room.code);
  assert.notEqual(r.headers.get('x-data-source'), 'snapshot');
  assert.deepEqual(assertOk(r), fresh);
});

function workerPids() {
  const master = fs.readFileSync(`${DATA}/run/queued.pid`, 'utf8').trim();
  const out = execFileSync('pgrep', ['-P', master], { encoding: 'utf8' }).trim();
  return { master, children: out.split('\n').filter(Boolean) };
}

test('a worker that dies is replaced, and requests keep being served', async () => {
  const before = workerPids();
  assert.ok(before.children.length >= 1);
  process.kill(Number(before.children[0]), 'SIGKILL');
  await until(() => {
    const now = workerPids();
    return now.children.length === before.children.length && !now.children.includes(before.children[0]);
  }, 5000, 'a replacement worker');
  for (let i = 0; i < 20; i++) assertOk(await queue((await roomWithEntry()).room.code));
});

test('SIGTERM lets an in-flight vote finish, then the pool stops', async () => {
  const { room, entry } = await roomWithEntry();
  const voter = await newGuest();
  // Hold the entry's row lock so the vote is still running inside a worker when SIGTERM arrives.
  const psql = spawn('psql', ['-X', '-q', '-h', `${DATA}/run/pg`, '-U', 'queued', '-d', 'queued'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  psql.stdout.on('data', (c) => { out += c; });
  psql.stdin.write(`BEGIN; SELECT 'locked' FROM queue_entries WHERE id = ${entry.id} FOR UPDATE;\n`);
  await until(() => out.includes('locked'), 5000, 'the row lock');

  const pending = vote(room.code, entry.id, voter, 1);
  await sleep(300);
  const { master } = workerPids();
  process.kill(Number(master), 'SIGTERM');
  await sleep(300);
  psql.stdin.write('COMMIT;\n\\q\n');
  const res = await pending;
  try {
    const d = assertOk(res);
    assert.equal(d.score, 1);
    await until(() => { try { process.kill(Number(master), 0); return false; } catch { return true; } }, 10000, 'the pool to stop');
  } finally {
    service('start', 'workers');
  }
  const q = assertOk(await queue(room.code));
  assert.equal(q.entries[0].score, 1);
});
