// operations.test.mjs: /healthz, /readyz (with Redis and with PostgreSQL stopped), /metrics (format,
// counters that move, survive a worker's death, and are served only to METRICS_ALLOW), X-Request-Id and
// the one log line per request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  api, assertOk, assertFail, newGuest, newRoom, songIds, addEntry, vote, until, sleep,
  service, restartWorkers, DATA,
} from './lib.mjs';

const LOG = path.join(DATA, 'log', 'queued.log');

/** The master's pid and its children (the workers). */
function workerPids() {
  const master = Number(fs.readFileSync(path.join(DATA, 'run', 'queued.pid'), 'utf8').trim());
  let kids = '';
  try { kids = fs.readFileSync(`/proc/${master}/task/${master}/children`, 'utf8'); } catch { /* gone */ }
  return kids.trim().split(/\s+/).filter(Boolean).map(Number);
}

// name{labels} value, or a comment: the text exposition format, line by line.
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.eE+-]+|\+Inf|-Inf|NaN)( -?[0-9]+)?$/;
const COMMENT = /^#( (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*| .*)?$/;

/** /metrics parsed: every line checked, samples by their name and labels as written. */
async function metrics() {
  const r = await api('GET', '/metrics');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  assert.ok(r.text.endsWith('\n'), 'the text ends with a newline');
  const samples = new Map();
  for (const line of r.text.split('\n').slice(0, -1)) {
    if (line.startsWith('#')) {
      assert.match(line, COMMENT);
      continue;
    }
    assert.match(line, SAMPLE);
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

const value = (m, key) => m.get(key) ?? 0;
const VOTE_200 = 'queued_http_requests_total{method="PUT",route="/rooms/:code/queue/:entryId/vote",status="200"}';
const VOTE_COUNT = 'queued_http_request_duration_seconds_count{method="PUT",route="/rooms/:code/queue/:entryId/vote"}';
const SONGS_200 = 'queued_http_requests_total{method="GET",route="/songs",status="200"}';

async function votedRoom() {
  const host = await newGuest();
  const room = await newRoom(host);
  const { entry } = await addEntry(room.code, host, (await songIds())[0]);
  return { host, room, entry };
}

test('GET /healthz answers from the worker alone, /readyz asks PostgreSQL and Redis', async () => {
  const h = assertOk(await api('GET', '/healthz'));
  assert.deepEqual(h, { status: 'ok' });
  const r = assertOk(await api('GET', '/readyz'));
  assert.equal(r.postgresql, 'ok');
  assert.equal(r.redis, 'ok');
});

test('/readyz is 503 naming Redis while Redis is stopped; /healthz stays 200', async () => {
  const before = await metrics();
  service('stop', 'redis');
  try {
    const r = await api('GET', '/readyz');
    assertFail(r, 503);
    assert.match(r.json.message, /Redis/);
    assert.doesNotMatch(r.json.message, /PostgreSQL/);
    assert.equal(r.json.data.redis, 'unreachable');
    assert.equal(r.json.data.postgresql, 'ok');
    assertOk(await api('GET', '/healthz'));
  } finally {
    service('start', 'redis');
  }
  await until(async () => (await api('GET', '/readyz')).status === 200, 10000, 'ready again');
  const after = await metrics();
  assert.ok(value(after, 'queued_redis_reconnects_total') > value(before, 'queued_redis_reconnects_total'),
    'a worker reconnected to Redis');
});

test('/readyz is 503 naming PostgreSQL while PostgreSQL is stopped; /healthz stays 200', async () => {
  const before = await metrics();
  service('stop', 'postgres');
  try {
    const r = await api('GET', '/readyz');
    assertFail(r, 503);
    assert.match(r.json.message, /PostgreSQL/);
    assert.equal(r.json.data.postgresql, 'unreachable');
    assert.equal(r.json.data.redis, 'ok');
    assertOk(await api('GET', '/healthz'));
    // The counters do not need the database; only the export jobs are left out, and say so.
    const m = await api('GET', '/metrics');
    assert.equal(m.status, 200);
    assert.match(m.text, /^# queued_export_jobs: PostgreSQL could not be asked$/m);
    assert.match(m.text, /^queued_votes_total \d+$/m);
  } finally {
    service('start', 'postgres');
  }
  await until(async () => (await api('GET', '/readyz')).status === 200, 15000, 'ready again');
  const after = await metrics();
  assert.ok(value(after, 'queued_db_reconnects_total') > value(before, 'queued_db_reconnects_total'),
    'a worker reconnected to PostgreSQL');
});

test('/metrics parses, and its counters move after a vote, a request and a publish', async () => {
  const { room, entry } = await votedRoom();
  const before = await metrics();
  for (const name of ['queued_votes_total', 'queued_publishes_total', 'queued_publish_failures_total',
    'queued_cache_hits_total', 'queued_cache_misses_total', 'queued_db_reconnects_total',
    'queued_redis_reconnects_total', 'queued_youtube_api_calls_total{method="search.list"}',
    'queued_export_jobs{state="queued"}', 'queued_export_jobs{state="sent"}']) {
    assert.ok(before.has(name), `${name} is exposed`);
  }
  assertOk(await vote(room.code, entry.id, await newGuest(), 1));
  assertOk(await api('GET', '/songs'));
  // The vote dropped the room's snapshot file: the worker answers from the cache or fills it.
  assertOk(await api('GET', `/rooms/${room.code}/queue`));
  const after = await metrics();
  const cacheReads = (m) => value(m, 'queued_cache_hits_total') + value(m, 'queued_cache_misses_total');
  assert.ok(cacheReads(after) > cacheReads(before), 'the cache was read');
  assert.equal(value(after, 'queued_votes_total'), value(before, 'queued_votes_total') + 1);
  assert.equal(value(after, VOTE_200), value(before, VOTE_200) + 1);
  assert.equal(value(after, VOTE_COUNT), value(before, VOTE_COUNT) + 1);
  assert.equal(value(after, SONGS_200), value(before, SONGS_200) + 1);
  // The vote's message to the room went to nchan.
  assert.ok(value(after, 'queued_publishes_total') > value(before, 'queued_publishes_total'));
  // A histogram's buckets are cumulative and end at +Inf = _count.
  const inf = 'queued_http_request_duration_seconds_bucket{method="PUT",route="/rooms/:code/queue/:entryId/vote",le="+Inf"}';
  assert.equal(value(after, inf), value(after, VOTE_COUNT));
  // Paths with ids are counted under their pattern, never as themselves.
  assert.ok(![...after.keys()].some((k) => k.includes(room.code)), 'no raw path in a label');
});

test('counters keep their values when a worker is killed', async () => {
  const { room, entry } = await votedRoom();
  for (let i = 0; i < 3; i++) assertOk(await vote(room.code, entry.id, await newGuest(), 1));
  const before = await metrics();
  const workers = workerPids();
  assert.ok(workers.length > 0, 'the worker pool runs');
  // Every worker: whichever counted the votes is gone.
  for (const pid of workers) process.kill(pid, 'SIGKILL');
  await until(() => {
    const now = workerPids();
    return now.length === workers.length && now.every((p) => !workers.includes(p));
  }, 10000, 'the pool refilled');
  const after = await until(async () => {
    const r = await api('GET', '/metrics');
    return r.status === 200 ? metrics() : null;
  }, 10000, '/metrics again');
  assert.ok(value(after, 'queued_votes_total') >= value(before, 'queued_votes_total'));
  assert.ok(value(before, 'queued_votes_total') >= 3);
  assert.ok(value(after, VOTE_200) >= value(before, VOTE_200));
  assert.ok(value(after, 'queued_publishes_total') >= value(before, 'queued_publishes_total'));
});

test('/metrics is 403 for an address METRICS_ALLOW does not name', async () => {
  restartWorkers({ METRICS_ALLOW: '10.0.0.1' });
  try {
    const r = await until(async () => {
      const res = await api('GET', '/metrics');
      return res.status === 502 ? null : res;
    }, 10000, 'workers back');
    assertFail(r, 403);
    assertOk(await api('GET', '/healthz'));
  } finally {
    restartWorkers();
  }
  await until(async () => (await api('GET', '/metrics')).status === 200, 10000, '/metrics allowed again');
});

test('every answer has X-Request-Id, and the log has one line per request with that id', async () => {
  const guest = await newGuest();
  const answers = [
    await api('GET', '/healthz'),
    await api('GET', '/songs'),
    await api('GET', '/no/such/thing'),
    await api('POST', '/rooms', { token: guest.token, body: { name: 'Ops' } }),
    await api('PUT', '/rooms/ZZZZZZ/queue/1/vote', { body: { value: 1 } }),
  ];
  const ids = answers.map((r) => r.headers.get('x-request-id'));
  for (const id of ids) assert.match(id ?? '', /^[0-9a-f]{16,32}$/);
  assert.equal(new Set(ids).size, ids.length, 'one id per request');
  const expected = [
    ['GET', '/healthz', 200], ['GET', '/songs', 200], ['GET', '-', 404], ['POST', '/rooms', 201],
    ['PUT', '/rooms/:code/queue/:entryId/vote', 401],
  ];
  await sleep(100);
  const log = fs.readFileSync(LOG, 'utf8').split('\n');
  ids.forEach((id, i) => {
    const [method, route, status] = expected[i];
    const lines = log.filter((l) => l.includes(` req=${id} `) && / method=\S+ route=\S+ status=\d+ ms=[0-9.]+$/.test(l));
    assert.equal(lines.length, 1, `one request line for ${id}: ${lines.join(' | ')}`);
    assert.ok(lines[0].includes(` info `), lines[0]);
    assert.ok(lines[0].endsWith(` method=${method} route=${route} status=${status} ms=${lines[0].split('ms=')[1]}`), lines[0]);
  });
});

test('snapshot files nginx serves without a worker are counted (its snapshot-hits log), and YouTube quota units are exposed', async () => {
  const { room } = await votedRoom();
  const before = await metrics();
  assert.ok(before.has('queued_snapshot_files_served_total'), 'the counter is there before any hit');
  assert.ok(before.has('queued_youtube_quota_units_total'));
  // The first GET goes to a worker, which leaves the file; the next ones are nginx's.
  assertOk(await api('GET', `/rooms/${room.code}/queue`));
  let fromFile = 0;
  for (let i = 0; i < 5; i++) {
    const r = await api('GET', `/rooms/${room.code}/queue`);
    assertOk(r);
    if (r.headers.get('x-data-source') === 'snapshot') fromFile++;
  }
  assert.ok(fromFile >= 4, `${fromFile} of 5 reads came from the file`);
  // nginx flushes that log within a second.
  await until(async () => value(await metrics(), 'queued_snapshot_files_served_total') >= value(before, 'queued_snapshot_files_served_total') + fromFile,
    5000, 'the snapshot reads counted');
});
