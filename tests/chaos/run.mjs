// run.mjs: `./dev chaos`: votes at the highest rate the box sustains while the
// stack is hurt on a schedule (a worker SIGKILLed every second, PostgreSQL
// restarted, Redis SIGKILLed, nginx reloaded twice), with one room-sync.js
// subscriber per room and a few playlist exports by email. Afterwards the
// database, the subscribers and the mail sink are checked against what the
// clients were told; any difference fails the run (exit 1).
//
// What "correct" means here:
//  - a vote answered 2xx is stored exactly once: the (entry, voter) row holds
//    the last acknowledged value (no row for 0);
//  - a vote answered 5xx or cut off is stored at most once: its row holds the
//    last acknowledged value or one of the unacknowledged values sent after it;
//  - every entry's score is the sum of its vote rows, and each room's revision
//    moved once per acknowledged change plus at most once per unanswered vote;
//  - every subscriber reaches its room's revision in the database, with the
//    server's order and scores, within CHAOS_CONVERGE_MS after the faults end;
//  - every export answered 201 is one email and ends `sent`; an export
//    answered 5xx is at most one email.
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { RoomSync, compareEntries } from '../../static/js/room-sync.js';
import { nodeEventSource } from '../integration/protocol_client.mjs';

const BASE = process.env.QUEUED_URL;
const DATA = process.env.QUEUED_DATA;
const ROOT = process.env.QUEUED_ROOT;
if (!BASE || !DATA || !ROOT) throw new Error('run through ./dev chaos (QUEUED_URL, QUEUED_DATA, QUEUED_ROOT)');
const SECONDS = Number(process.env.CHAOS_SECONDS || 60);
const CONNECTIONS = Number(process.env.CHAOS_CONNECTIONS || 32);
const ROOMS = Number(process.env.CHAOS_ROOMS || 20);
const ENTRIES = Number(process.env.CHAOS_ENTRIES || 6);
const VOTERS_PER_ROOM = Number(process.env.CHAOS_VOTERS_PER_ROOM || 100);
const CONVERGE_MS = Number(process.env.CHAOS_CONVERGE_MS || 5000);
const POLL_MS = Number(process.env.CHAOS_POLL_MS || 2000);       // the subscribers' watchdog period
// CHAOS_RESUME=1|0 forces the subscribers' resume option; unset, room-sync.js's default.
const RESUME = process.env.CHAOS_RESUME ? { resume: process.env.CHAOS_RESUME === '1' } : {};
const REQUEST_TIMEOUT_MS = 15000;
const OUT = process.env.CHAOS_OUT || path.join(ROOT, 'build/chaos/results.json');
const T = SECONDS * 1000;

// A hard bound on the whole run, whatever hangs.
const hardStop = setTimeout(() => { console.error(`chaos: FAILED: the run did not finish within ${SECONDS + 150} s`); process.exit(2); },
  (SECONDS + 150) * 1000);
hardStop.unref();

const env = Object.fromEntries(fs.readFileSync(path.join(DATA, 'queued.env'), 'utf8').split('\n')
  .filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

const failures = [];
const fail = (msg) => { failures.push(msg); console.error(`chaos: FAIL ${msg}`); };
const log = (msg) => console.error(`chaos: ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let t0 = 0; // start of the load, performance.now()
const at = () => ((performance.now() - t0) / 1000).toFixed(1);

// ---------------------------------------------------------------- helpers

function run(cmd, args, timeout = 60000) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8', timeout, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message} ${stderr || ''}`.trim()));
      else resolve(stdout);
    });
  });
}
const devService = (action, what) => run(path.join(ROOT, 'dev'), ['service', action, what, '--data', DATA], 90000);
const psql = (sql) => run('psql', ['-X', '-tA', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-h', path.join(DATA, 'run/pg'),
  '-U', 'queued', '-d', 'queued', '-c', sql]).then((s) => s.split('\n').filter(Boolean).map((l) => l.split('\t')));

function sign(claims, key) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}
/** A guest token minted with the stack's key, as tests/bench/run.mjs does (no request each). */
function guest(serial) {
  const id = `guest-chaos${String(serial).padStart(11, '0')}`;
  return { id, token: sign({ id, name: `c${serial}`, guest: true, typ: 'guest', exp: Math.floor(Date.now() / 1000) + 7200 }, env.ACCESS_TOKEN_KEY) };
}

async function api(method, p, body, token, headers = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  const res = await fetch(BASE + p, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status: res.status, json, text, headers: res.headers };
}
async function must(method, p, body, token, status = [200, 201]) {
  const r = await api(method, p, body, token);
  if (!status.includes(r.status)) throw new Error(`${method} ${p}: ${r.status} ${r.text.slice(0, 300)}`);
  return r.json.data;
}

// The votes go over their own keep-alive connections, one per loop.
const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS, maxFreeSockets: CONNECTIONS });
const { hostname, port } = new URL(BASE);

/** PUT a vote; resolves {status, changed} or {error}. Never rejects. */
function putVote(code, entryId, token, value) {
  return new Promise((resolve) => {
    const body = `{"value":${value}}`;
    let done = false;
    const finish = (r) => { if (!done) { done = true; resolve(r); } };
    const req = http.request({
      agent, hostname, port, method: 'PUT', path: `/rooms/${code}/queue/${entryId}/vote`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': body.length },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let changed, revision;
        if (res.statusCode < 300) { try { ({ changed, revision } = JSON.parse(text).data); } catch { changed = undefined; } }
        finish({ status: res.statusCode, changed, revision, text });
      });
      res.on('error', (e) => finish({ error: e.code || e.message }));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e) => finish({ error: e.code || e.message }));
    req.end(body);
  });
}

function quantile(sorted, q) { return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN; }
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');

// ---------------------------------------------------------------- setup

log(`${SECONDS} s, ${CONNECTIONS} connections, ${ROOMS} rooms x ${ENTRIES} entries, ${ROOMS * VOTERS_PER_ROOM} voters`);
let serial = 0;
const host = guest(++serial);
const songs = (await must('GET', '/songs')).songs.map((s) => s.id);
if (songs.length < ENTRIES) throw new Error(`the catalog has ${songs.length} songs, ${ENTRIES} needed`);
const rooms = [];
for (let i = 0; i < ROOMS; i++) {
  const room = (await must('POST', '/rooms', { name: `chaos ${i}` }, host.token)).room;
  const entries = [];
  for (let j = 0; j < ENTRIES; j++) entries.push((await must('POST', `/rooms/${room.code}/queue`, { songId: songs[(i + j) % songs.length] }, host.token)).entry.id);
  rooms.push({ code: room.code, entries, ackedChanges: 0, uncertain: 0, ackedAt: new Map() });
}
const voters = [];
for (let v = 0; v < ROOMS * VOTERS_PER_ROOM; v++) voters.push({ ...guest(++serial), idx: v, room: v % ROOMS, next: (v * 7) % ENTRIES });
const voterIndex = new Map(voters.map((v) => [v.id, v.idx]));

// The exports: a registered user and one playlist per export, so mails count per job.
const EXPORTS = 8;
const uname = `chaos_${Date.now()}`;
await must('POST', '/users', { username: uname, password: 'chaos-password-1', fullname: 'Chaos' });
const user = await must('POST', '/authentications', { username: uname, password: 'chaos-password-1' });
const playlists = [];
for (let i = 0; i < EXPORTS; i++) {
  const id = (await must('POST', '/playlists', { name: `chaos ${i}` }, user.accessToken)).playlistId;
  for (let k = 0; k < 2; k++) await must('POST', `/playlists/${id}/songs`, { songId: songs[(i + k) % songs.length] }, user.accessToken);
  playlists.push(id);
}

const codes = rooms.map((r) => `'${r.code}'`).join(',');
const initialRevision = new Map((await psql(`SELECT code, revision FROM rooms WHERE code IN (${codes})`)).map(([c, r]) => [c, Number(r)]));

// One subscriber per room, following docs/protocol.md with the web client's code.
// Each records when its revision last moved, and how long after a vote's
// acknowledgement the subscriber had that vote's revision (the screen's lag).
const lags = [];
let maxLag = { ms: 0 };
const subs = rooms.map((r) => {
  const s = new RoomSync({
    base: BASE, code: r.code, openStream: nodeEventSource, pollMs: POLL_MS, ...RESUME,
    onChange: (st) => {
      if (st.revision === s.seenRevision) return;
      const now = performance.now();
      for (let rev = (s.seenRevision ?? st.revision) + 1; rev <= st.revision; rev++) {
        const ackAt = r.ackedAt.get(rev);
        if (ackAt !== undefined) {
          lags.push(Math.max(0, now - ackAt));
          if (now - ackAt > maxLag.ms) maxLag = { ms: now - ackAt, ackAtS: (ackAt - t0) / 1000, room: r.code };
          r.ackedAt.delete(rev);
        }
      }
      s.seenRevision = st.revision;
      s.revisionAt = now;
    },
  });
  return s.start();
});
{
  const end = Date.now() + 10000;
  while (!subs.every((s, i) => s.state && s.state.revision === initialRevision.get(rooms[i].code))) {
    if (Date.now() > end) throw new Error('the subscribers did not get their first snapshot');
    await sleep(20);
  }
}

// ---------------------------------------------------------------- the load

// Per (voter, entry) pair: the last acknowledged value (0: no row), the last
// value sent, and the values sent without an answer since that acknowledgement.
const PAIRS = voters.length * ENTRIES;
const acked = new Int8Array(PAIRS);
const lastSent = new Int8Array(PAIRS);
const retired = new Uint8Array(PAIRS);       // a timed-out request may still run: no more votes on this pair
const uncertainSince = new Map();            // pair -> Set of values
const c = { sent: 0, ok: 0, c4: 0, c5: 0, conn: 0, timeouts: 0, changed: 0, unchanged: 0 };
const statusCounts = new Map();
const errorCounts = new Map();
const latencies = [];                        // ms, every 2xx
const latAll = [];                           // ms, every answer
const perSecond = [];                        // [2xx, 5xx, conn] per second of the run
let loadEnds = 0;
let lastOk = 0, okGap = { ms: 0, from: 0 };   // the longest time without any 2xx

function bucket(kind) {
  const s = Math.floor((performance.now() - t0) / 1000);
  while (perSecond.length <= s) perSecond.push([0, 0, 0]);
  perSecond[s][kind]++;
}

async function voteLoop(k) {
  const mine = voters.filter((v) => v.idx % CONNECTIONS === k);
  let turn = 0;
  while (performance.now() < loadEnds) {
    const voter = mine[turn++ % mine.length];
    const j = voter.next++ % ENTRIES;
    const pair = voter.idx * ENTRIES + j;
    if (retired[pair]) continue;
    // A change every time: one of the two values other than the last one sent.
    const others = [-1, 0, 1].filter((x) => x !== lastSent[pair]);
    const value = others[Math.random() < 0.5 ? 0 : 1];
    lastSent[pair] = value;
    const room = rooms[voter.room];
    c.sent++;
    const start = performance.now();
    const r = await putVote(room.code, room.entries[j], voter.token, value);
    const ms = performance.now() - start;
    if (r.status !== undefined) {
      latAll.push(ms);
      statusCounts.set(r.status, (statusCounts.get(r.status) || 0) + 1);
    }
    if (r.status >= 200 && r.status < 300) {
      const now = performance.now();
      c.ok++;
      latencies.push(ms);
      bucket(0);
      acked[pair] = value;
      uncertainSince.delete(pair);
      if (r.changed === true) {
        c.changed++;
        room.ackedChanges++;
        // Unless the subscriber already has it, its lag is measured from now.
        if (typeof r.revision === 'number' && !(subs[voter.room].seenRevision >= r.revision)) room.ackedAt.set(r.revision, now);
      } else c.unchanged++;
      if (lastOk && now - lastOk > okGap.ms) okGap = { ms: now - lastOk, from: (lastOk - t0) / 1000 };
      lastOk = now;
    } else if (r.status >= 400 && r.status < 500) {
      c.c4++;
      if (c.c4 <= 5) log(`4xx: ${r.status} ${r.text?.slice(0, 200)}`);
      // Refused: nothing stored, the acknowledged value stands.
    } else {
      if (r.status !== undefined) { c.c5++; bucket(1); } else {
        c.conn++;
        bucket(2);
        errorCounts.set(r.error, (errorCounts.get(r.error) || 0) + 1);
        if (r.error === 'TIMEOUT') { c.timeouts++; retired[pair] = 1; }
      }
      room.uncertain++;
      let u = uncertainSince.get(pair);
      if (!u) uncertainSince.set(pair, (u = new Set()));
      u.add(value);
      // A client backs off a little after a failure rather than spin on 503s.
      await sleep(50);
    }
  }
}

// ---------------------------------------------------------------- the faults

const ev = { workerKills: 0, killFailed: 0, refillsSeen: 0, restartLines: 0, pgRestarts: 0, pgDownMs: 0,
  pgOutageMs: 0, redisKills: 0, redisBackMs: NaN, redisBack: false, nginxReloads: 0, exportsStarted: 0 };
const master = Number(fs.readFileSync(path.join(DATA, 'run/queued.pid'), 'utf8').trim());
const logFile = path.join(DATA, 'log/queued.log');
const logOffset = fs.statSync(logFile).size;

async function children() {
  try { return (await run('pgrep', ['-P', String(master)])).split('\n').filter(Boolean).map(Number); } catch { return []; }
}
const initialChildren = await children();
const seenChildren = new Set(initialChildren);
const killed = new Set();
log(`master ${master} with ${initialChildren.length} workers`);

async function watchChildren(until) {
  while (performance.now() < until) {
    for (const p of await children()) {
      if (!seenChildren.has(p)) { seenChildren.add(p); ev.refillsSeen++; }
    }
    await sleep(100);
  }
}

async function killWorkers(until) {
  for (let next = t0 + 1000; next < until; next += 1000) {
    await sleep(Math.max(0, next - performance.now()));
    const kids = (await children()).filter((p) => !killed.has(p));
    if (kids.length === 0) { ev.killFailed++; continue; }
    const victim = kids[Math.floor(Math.random() * kids.length)];
    try { process.kill(victim, 'SIGKILL'); killed.add(victim); ev.workerKills++; } catch { ev.killFailed++; }
  }
}

async function restartPostgres() {
  log(`${at()} s: stopping PostgreSQL`);
  const a = performance.now();
  await devService('stop', 'postgres');
  const b = performance.now();
  await startExport('while PostgreSQL is down');
  await sleep(Math.max(0, 1000 - (performance.now() - b)));
  log(`${at()} s: starting PostgreSQL`);
  await devService('start', 'postgres');
  const cEnd = performance.now();
  ev.pgRestarts++;
  ev.pgDownMs = cEnd - b;
  ev.pgStopMs = b - a;
  log(`${at()} s: PostgreSQL is back (stop took ${Math.round(b - a)} ms, down ${Math.round(cEnd - b)} ms)`);
}

async function killRedis() {
  const pidFile = path.join(DATA, 'run/redis.pid');
  const sock = path.join(DATA, 'run/redis.sock');
  const before = Number(fs.readFileSync(pidFile, 'utf8').trim());
  log(`${at()} s: SIGKILL Redis ${before}`);
  const a = performance.now();
  process.kill(before, 'SIGKILL');
  ev.redisKills++;
  for (const end = a + 10000; performance.now() < end; await sleep(20)) {
    let pid = 0;
    try { pid = Number(fs.readFileSync(pidFile, 'utf8').trim()); } catch { /* being rewritten */ }
    if (!pid || pid === before) continue;
    try {
      if ((await run('redis-cli', ['-s', sock, 'ping'], 2000)).trim() === 'PONG') {
        ev.redisBack = true;
        ev.redisBackMs = performance.now() - a;
        ev.redisNewPid = pid;
        break;
      }
    } catch { /* not yet */ }
  }
  if (ev.redisBack) log(`${at()} s: Redis is back as ${ev.redisNewPid} after ${Math.round(ev.redisBackMs)} ms`);
  else fail(`Redis did not come back within 10 s of its SIGKILL`);
}

async function reloadNginx() {
  log(`${at()} s: nginx reload`);
  await devService('reload', 'nginx');
  ev.nginxReloads++;
}

const exportsTried = [];
async function startExport(when) {
  const playlistId = playlists[exportsTried.length];
  if (!playlistId) return;
  const rec = { when, at: at(), playlistId, status: 0, jobId: null };
  exportsTried.push(rec);
  ev.exportsStarted++;
  try {
    const r = await api('POST', `/export/playlists/${playlistId}`, { targetEmail: `chaos${exportsTried.length}@example.com` }, user.accessToken);
    rec.status = r.status;
    if (r.status === 201) rec.jobId = r.json.data.jobId;
  } catch (e) { rec.error = e.message; }
  log(`${at()} s: export (${when}) of ${playlistId}: ${rec.status || rec.error}`);
}

/** Runs fn at ms after the start of the load. */
const atTime = (ms, fn) => sleep(Math.max(0, t0 + ms - performance.now())).then(fn).catch((e) => fail(`fault step failed: ${e.message}`));

// ---------------------------------------------------------------- run

log(`load for ${SECONDS} s`);
t0 = performance.now();
loadEnds = t0 + T;
const pgAt = 0.35 * T;
const steps = [
  atTime(0.15 * T, reloadNginx),
  atTime(0.75 * T, reloadNginx),
  atTime(pgAt, restartPostgres),
  atTime(0.55 * T, killRedis),
  atTime(0.08 * T, () => startExport('early')),
  atTime(pgAt - 150, () => startExport('just before PostgreSQL stops')),
  atTime(0.5 * T, () => startExport('after PostgreSQL is back')),
  atTime(0.55 * T + 100, () => startExport('while Redis is down')),
  atTime(0.75 * T + 50, () => startExport('during the nginx reload')),
  atTime(0.9 * T, () => startExport('late')),
];
const watcher = watchChildren(loadEnds + 1500);
const killer = killWorkers(loadEnds);
await Promise.all(Array.from({ length: CONNECTIONS }, (_, k) => voteLoop(k)));
const loadMs = performance.now() - t0;
await Promise.all([killer, ...steps]);
// Convergence is timed from here: the last vote answered, the last fault done.
const faultsEnd = performance.now();
log(`load done after ${(loadMs / 1000).toFixed(1)} s; faults done at ${((faultsEnd - t0) / 1000).toFixed(1)} s`);

// ---------------------------------------------------------------- convergence

const dbRooms = new Map((await psql(`SELECT code, revision FROM rooms WHERE code IN (${codes})`)).map(([cd, r]) => [cd, Number(r)]));
const convergedAt = new Array(ROOMS).fill(NaN);     // ms after faultsEnd when the subscriber last moved to the final revision
const serverViews = [];
for (let i = 0; i < ROOMS; i++) {
  const r = await api('GET', `/rooms/${rooms[i].code}/queue`);
  if (r.status !== 200) { fail(`GET /rooms/${rooms[i].code}/queue after the run: ${r.status}`); serverViews.push(null); continue; }
  const q = r.json.data;
  serverViews.push({ revision: q.revision, order: q.entries.map((e) => [e.id, e.score]), playing: q.nowPlaying?.id ?? null });
  if (q.revision !== dbRooms.get(rooms[i].code)) {
    fail(`room ${rooms[i].code}: GET /queue says revision ${q.revision} (${r.headers.get('x-data-source') || 'worker'}), the database ${dbRooms.get(rooms[i].code)}`);
  }
}
const view = (s) => ({ revision: s.state?.revision, order: s.sorted().map((e) => [e.id, e.score]), playing: s.state?.nowPlaying?.id ?? null });
for (const deadline = faultsEnd + CONVERGE_MS; ;) {
  const now = performance.now();
  subs.forEach((s, i) => {
    if (Number.isNaN(convergedAt[i]) && s.state && s.state.revision === dbRooms.get(rooms[i].code)) convergedAt[i] = Math.max(0, s.revisionAt - faultsEnd);
  });
  if (convergedAt.every((x) => !Number.isNaN(x)) || now > deadline) break;
  await sleep(10);
}
subs.forEach((s, i) => {
  if (Number.isNaN(convergedAt[i])) {
    fail(`subscriber of room ${rooms[i].code} is at revision ${s.state?.revision}, the room at ${dbRooms.get(rooms[i].code)} ${CONVERGE_MS} ms after the faults ended (stream saw ${s.streamRevision}, last message ${Math.round(Date.now() - s.lastMessageAt)} ms ago, refetches ${s.refetches}, reconnects ${s.reconnects})`);
  } else if (serverViews[i] && JSON.stringify(view(s)) !== JSON.stringify(serverViews[i])) {
    fail(`subscriber of room ${rooms[i].code} has the revision but not the server's queue: ${JSON.stringify(view(s))} vs ${JSON.stringify(serverViews[i])}`);
  } else if (s.sorted().map((e) => e.id).join() !== [...s.state.entries.values()].sort(compareEntries(s.state.tieRule)).map((e) => e.id).join()) {
    fail(`subscriber of room ${rooms[i].code}: order is not the documented one`);
  }
});
await watcher;
const subStats = { refetches: subs.reduce((a, s) => a + s.refetches, 0), reconnects: subs.reduce((a, s) => a + s.reconnects, 0) };
for (const s of subs) s.stop();

// ---------------------------------------------------------------- the database

const rows = await psql(`SELECT v.entry_id, v.voter_id, v.value FROM votes v
  JOIN queue_entries e ON e.id = v.entry_id JOIN rooms r ON r.id = e.room_id WHERE r.code IN (${codes})`);
const entryPos = new Map();
rooms.forEach((r, ri) => r.entries.forEach((id, j) => entryPos.set(String(id), { ri, j })));
const dbValue = new Int8Array(PAIRS);
let foreignRows = 0;
for (const [entryId, voterId, value] of rows) {
  const vi = voterIndex.get(voterId);
  const pos = entryPos.get(entryId);
  if (vi === undefined || !pos || voters[vi].room !== pos.ri) { foreignRows++; if (foreignRows <= 5) fail(`unexpected vote row ${entryId} ${voterId} ${value}`); continue; }
  dbValue[vi * ENTRIES + pos.j] = Number(value);
}
let lost = 0, badUncertain = 0, uncertainStored = 0, uncertainNotStored = 0;
const examples = [];
for (let p = 0; p < PAIRS; p++) {
  const u = uncertainSince.get(p);
  if (!u) {
    if (dbValue[p] !== acked[p]) { lost++; if (examples.length < 10) examples.push(`voter ${voters[Math.floor(p / ENTRIES)].id} entry ${rooms[voters[Math.floor(p / ENTRIES)].room].entries[p % ENTRIES]}: acknowledged ${acked[p]}, stored ${dbValue[p]}`); }
  } else if (dbValue[p] === acked[p]) {
    uncertainNotStored++;
  } else if (u.has(dbValue[p])) {
    uncertainStored++;
  } else {
    badUncertain++;
    if (examples.length < 10) examples.push(`voter ${voters[Math.floor(p / ENTRIES)].id} entry ${rooms[voters[Math.floor(p / ENTRIES)].room].entries[p % ENTRIES]}: acknowledged ${acked[p]}, unanswered ${[...u]}, stored ${dbValue[p]}`);
  }
}
if (lost) fail(`${lost} (entry, voter) rows differ from the last acknowledged vote: ${examples.join('; ')}`);
if (badUncertain) fail(`${badUncertain} rows hold a value that was never sent after the last acknowledgement: ${examples.join('; ')}`);

const entryRows = await psql(`SELECT r.code, e.id, e.state, e.score, coalesce(sum(v.value), 0), count(v.*)
  FROM queue_entries e JOIN rooms r ON r.id = e.room_id LEFT JOIN votes v ON v.entry_id = e.id
  WHERE r.code IN (${codes}) GROUP BY r.code, e.id, e.state, e.score`);
let badScores = 0;
for (const [code, id, state, score, sum] of entryRows) {
  if (Number(score) !== Number(sum)) { badScores++; fail(`entry ${id} of room ${code}: score ${score}, vote rows sum to ${sum}`); }
  if (state !== 'waiting') fail(`entry ${id} of room ${code} is ${state}, not waiting`);
}
const roomRows = await psql(`SELECT r.code, r.revision, coalesce(sum(e.score), 0),
    coalesce((SELECT sum(v.value) FROM votes v JOIN queue_entries x ON x.id = v.entry_id WHERE x.room_id = r.id), 0)
  FROM rooms r LEFT JOIN queue_entries e ON e.room_id = r.id WHERE r.code IN (${codes}) GROUP BY r.id, r.code, r.revision`);
for (const [code, revision, scores, votes] of roomRows) {
  const room = rooms.find((r) => r.code === code);
  if (Number(scores) !== Number(votes)) fail(`room ${code}: scores sum to ${scores}, its vote rows to ${votes}`);
  const low = initialRevision.get(code) + room.ackedChanges;
  const high = low + room.uncertain;
  if (Number(revision) < low || Number(revision) > high) {
    fail(`room ${code}: revision ${revision}, expected ${low}..${high} (${initialRevision.get(code)} + ${room.ackedChanges} acknowledged changes + at most ${room.uncertain} unanswered)`);
  }
}

// ---------------------------------------------------------------- exports

const mailDir = path.join(DATA, 'mail');
const mailsFor = (id) => fs.readdirSync(mailDir).filter((f) => f.endsWith('.eml'))
  .filter((f) => fs.readFileSync(path.join(mailDir, f), 'latin1').includes(`filename="playlist-${id}.json"`)).length;
const jobRows = new Map((await psql('SELECT playlist_id, id FROM export_jobs')).map(([p, id]) => [p, id]));
for (const e of exportsTried) {
  const jobId = e.jobId || jobRows.get(e.playlistId) || null;
  e.jobInDb = jobRows.has(e.playlistId);
  if (e.status === 201 || e.jobInDb) {
    const end = performance.now() + 20000;
    let job;
    while (performance.now() < end) {
      const r = await api('GET', `/export/jobs/${jobId}`, undefined, user.accessToken);
      job = r.json?.data?.job;
      if (job && (job.state === 'sent' || job.state === 'failed')) break;
      await sleep(200);
    }
    e.state = job?.state;
    e.attempts = job?.attempts;
    if (e.state !== 'sent') fail(`export job ${jobId} (${e.when}, answered ${e.status}) is ${e.state}: ${job?.lastError || ''}`);
  }
}
await sleep(1500); // a second copy would arrive about now if the job went out twice
for (const e of exportsTried) {
  e.mails = mailsFor(e.playlistId);
  if (e.status === 201 && e.mails !== 1) fail(`export ${e.jobId} (${e.when}): ${e.mails} emails, expected exactly 1 (attempts ${e.attempts})`);
  else if (e.status !== 201 && e.mails > (e.jobInDb ? 1 : 0)) fail(`export of ${e.playlistId} (${e.when}, answered ${e.status || e.error}): ${e.mails} emails`);
  else if (e.jobInDb && e.mails !== 1) fail(`export of ${e.playlistId} (${e.when}, answered ${e.status}, job in the database): ${e.mails} emails`);
}
if (!exportsTried.some((e) => e.status === 201)) fail('no export was accepted');

// ---------------------------------------------------------------- the stack afterwards

const logText = fs.readFileSync(logFile, 'utf8').slice(logOffset);
ev.restartLines = (logText.match(/killed by signal 9; restarting/g) || []).length;
const kidsAfter = await children();
if (kidsAfter.length !== initialChildren.length) fail(`the master has ${kidsAfter.length} workers, it started with ${initialChildren.length}`);
if (ev.restartLines !== ev.workerKills) fail(`${ev.workerKills} workers killed, the master logged ${ev.restartLines} restarts`);
try { process.kill(master, 0); } catch { fail('the master is gone'); }
const redisKeys = Number((await run('redis-cli', ['-s', path.join(DATA, 'run/redis.sock'), 'dbsize'])).trim());
if (!(redisKeys > 0)) fail('Redis holds nothing after the run: the workers did not use it again');

// ---------------------------------------------------------------- figures

latencies.sort((a, b) => a - b);
lags.sort((a, b) => a - b);
latAll.sort((a, b) => a - b);
const conv = convergedAt.filter((x) => !Number.isNaN(x));
const worstSecond = perSecond.length ? Math.min(...perSecond.slice(0, Math.floor(loadMs / 1000)).map((s) => s[0])) : 0;
const zeroSeconds = perSecond.slice(0, Math.floor(loadMs / 1000)).filter((s) => s[0] === 0).length;
const figures = {
  seconds: SECONDS, connections: CONNECTIONS, rooms: ROOMS, entriesPerRoom: ENTRIES, voters: voters.length,
  votesSent: c.sent, ok2xx: c.ok, c4xx: c.c4, c5xx: c.c5, connectionErrors: c.conn, timeouts: c.timeouts,
  statuses: Object.fromEntries([...statusCounts].sort()), errors: Object.fromEntries(errorCounts),
  votesPerS: c.sent / (loadMs / 1000), okPerS: c.ok / (loadMs / 1000), worstSecond2xx: worstSecond, secondsWithout2xx: zeroSeconds,
  latencyMs: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies.at(-1), allAnswersP99: quantile(latAll, 0.99) },
  changedAcks: c.changed, unchangedAcks: c.unchanged,
  unansweredStored: uncertainStored, unansweredNotStored: uncertainNotStored,
  lostAcknowledged: lost, impossibleValues: badUncertain, badScores, foreignRows,
  workerKills: ev.workerKills, killsMissed: ev.killFailed, refillsObserved: ev.refillsSeen, masterRestartLines: ev.restartLines,
  postgres: { restarts: ev.pgRestarts, stopMs: ev.pgStopMs, downMs: ev.pgDownMs,
    startAt: pgAt / 1000 },
  longestWithout2xx: { ms: okGap.ms, fromS: okGap.from },
  redis: { kills: ev.redisKills, back: ev.redisBack, backMs: ev.redisBackMs, keysAfter: redisKeys },
  nginx: { reloads: ev.nginxReloads },
  screenLagMs: { count: lags.length, p50: quantile(lags, 0.5), p99: quantile(lags, 0.99), max: lags.at(-1), maxAckedAtS: maxLag.ackAtS, maxRoom: maxLag.room },
  subscribers: { count: subs.length, ...subStats, maxConvergeMs: conv.length ? Math.max(...conv) : null, medianConvergeMs: conv.length ? conv.sort((a, b) => a - b)[Math.floor(conv.length / 2)] : null },
  exports: exportsTried.map(({ when, status, jobId, state, attempts, mails, error }) => ({ when, status: status || error, jobId, state, attempts, mails })),
  perSecond2xx: perSecond.map((s) => s[0]),
  failures,
};
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, JSON.stringify(figures, null, 2));

const L = (k, v) => console.log(`${k.padEnd(34)} ${v}`);
console.log('');
L('run', `${SECONDS} s, ${CONNECTIONS} connections, ${ROOMS} rooms x ${ENTRIES} entries, ${voters.length} voters (one token each)`);
L('votes sent', c.sent);
L('  2xx', `${c.ok} (${c.changed} changed, ${c.unchanged} unchanged)`);
L('  4xx', c.c4);
L('  5xx', `${c.c5} ${JSON.stringify(Object.fromEntries([...statusCounts].filter(([s]) => s >= 500)))}`);
L('  connection errors', `${c.conn} ${JSON.stringify(figures.errors)}`);
L('votes/s (sent, 2xx)', `${f1(figures.votesPerS)}, ${f1(figures.okPerS)}; worst second ${worstSecond} 2xx, ${zeroSeconds} s without any`);
L('vote latency 2xx p50 / p99 / max', `${f1(figures.latencyMs.p50)} / ${f1(figures.latencyMs.p99)} / ${f1(figures.latencyMs.max)} ms`);
L('last vote unanswered: stored/not', `${uncertainStored} / ${uncertainNotStored} (entry, voter) pairs`);
L('worker kills (SIGKILL)', `${ev.workerKills} (missed ${ev.killFailed}); refills observed ${ev.refillsSeen}; master logged ${ev.restartLines}`);
L('PostgreSQL', `${ev.pgRestarts} restart at ${f1(pgAt / 1000)} s: stop ${Math.round(ev.pgStopMs)} ms, down ${Math.round(ev.pgDownMs)} ms (start included)`);
L('longest time without a 2xx', `${Math.round(okGap.ms)} ms, from ${f1(okGap.from)} s`);
L('Redis', `${ev.redisKills} SIGKILL, back ${ev.redisBack ? `after ${Math.round(ev.redisBackMs)} ms` : 'NO'}; ${redisKeys} keys at the end`);
L('nginx', `${ev.nginxReloads} reloads`);
L('subscribers', `${subs.length}: ${subStats.refetches} refetches, ${subStats.reconnects} reconnects`);
L('vote ack → subscriber has it', `p50 ${f1(figures.screenLagMs.p50)}, p99 ${f1(figures.screenLagMs.p99)}, max ${f1(figures.screenLagMs.max)} ms for a vote acknowledged at ${f1(maxLag.ackAtS)} s (${lags.length} votes)`);
L('convergence after the faults', `max ${f1(figures.subscribers.maxConvergeMs)} ms, median ${f1(figures.subscribers.medianConvergeMs)} ms`);
L('exports', exportsTried.map((e) => `${e.status || e.error}${e.state ? `→${e.state}` : ''}/${e.mails} mail`).join(', '));
L('checks', failures.length ? `FAILED (${failures.length})` : 'all passed: acknowledged votes stored once, scores = vote rows, revisions bounded, subscribers converged, one mail per export');
console.log(`\nJSON: ${OUT}`);
if (failures.length) {
  const keep = path.join(ROOT, 'build/chaos/logs');
  fs.mkdirSync(keep, { recursive: true });
  for (const f of fs.readdirSync(path.join(DATA, 'log'))) fs.copyFileSync(path.join(DATA, 'log', f), path.join(keep, f));
  console.log(`logs kept in ${keep}`);
  for (const f of failures) console.log(`FAIL ${f}`);
}
agent.destroy();
process.exit(failures.length ? 1 : 0);
