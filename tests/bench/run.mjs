// run.mjs: the scenarios of `./dev bench` against the private stack dev started.
// Prints one table and writes the same figures as JSON. Numbers are reported,
// never asserted: a benchmark informs, the test suite decides.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { spawn, spawnSync, execFile, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';

const URL_BASE = process.env.QUEUED_URL;
const DATA = process.env.QUEUED_DATA;
const ROOT = process.env.QUEUED_ROOT;
const BENCH_LIVE = process.env.BENCH_LIVE;
const OUT = process.env.BENCH_OUT || path.join(DATA, 'bench.json');
const QUICK = !!process.env.BENCH_QUICK;
const ONLY = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',') : null;
const PORT = Number(new URL(URL_BASE).port);
const WORK = fs.mkdtempSync(path.join(DATA, 'bench-'));

const env = Object.fromEntries(fs.readFileSync(path.join(DATA, 'queued.env'), 'utf8').split('\n')
  .filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

const results = [];
const want = (name) => !ONLY || ONLY.includes(name);

// ---------------------------------------------------------------- helpers

function sign(claims, key) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

let tokenSerial = 0;
/** Guest tokens for distinct voters, minted with the stack's key (no request each). */
function guestTokens(n, key = env.ACCESS_TOKEN_KEY) {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const out = [];
  for (let i = 0; i < n; i++) {
    const id = `guest-bench${String(++tokenSerial).padStart(11, '0')}`;
    out.push(sign({ id, name: `b${tokenSerial}`, guest: true, typ: 'guest', exp }, key));
  }
  return out;
}

async function api(method, p, body, token, base = URL_BASE) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
  // A keep-alive connection the server closed while a scenario ran fails once
  // ("other side closed"); a fresh connection is all it takes.
  const res = await fetch(base + p, init).catch(() => fetch(base + p, init));
  const text = await res.text();
  if (res.status >= 400) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return { status: res.status, text, json: text ? JSON.parse(text) : null };
}

let songs;
async function roomWith(nEntries, host) {
  songs ??= (await api('GET', '/songs')).json.data.songs.map((s) => s.id);
  const room = (await api('POST', '/rooms', { name: 'bench' }, host)).json.data.room;
  const entries = [];
  // Distinct songs first, then repeats by different adders (a repeat by the same
  // adder would become a vote).
  const adders = guestTokens(Math.ceil(nEntries / songs.length) + 1);
  for (let i = 0; i < nEntries; i++) {
    const who = i < songs.length ? host : adders[Math.floor(i / songs.length)];
    // A song already waiting becomes a vote: use a fresh catalog song when needed.
    const song = await songFor(i);
    const r = await api('POST', `/rooms/${room.code}/queue`, { songId: song }, who);
    entries.push(r.json.data.entry.id);
  }
  return { code: room.code, entries };
}

let extraSongs = [];
async function songFor(i) {
  if (i < songs.length) return songs[i];
  while (extraSongs.length <= i - songs.length) {
    const r = await api('POST', '/songs', { title: `Bench ${extraSongs.length}`, year: 2020, genre: 'bench', performer: 'Bench', duration: 200 });
    extraSongs.push(r.json.data.songId);
  }
  return extraSongs[i - songs.length];
}

function writeLines(name, lines) {
  const f = path.join(WORK, name);
  fs.writeFileSync(f, lines.join('\n') + '\n');
  return f;
}

function psql(sql) {
  return execFileSync('psql', ['-X', '-tA', '-h', path.join(DATA, 'run/pg'), '-U', 'queued', '-d', 'queued', '-c', sql], { encoding: 'utf8' }).trim();
}

/**
 * CPU seconds used so far by each kind of process on the box (nginx,
 * postgres, queued-fcgi, redis-server, bench-live, node, ...), from /proc.
 * Processes that end during a run take their time with them, so the
 * load generator is measured by itself (getrusage) rather than from here.
 */
const TICK = 100; // USER_HZ on Linux
function cpuByProcess() {
  const by = {};
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let stat;
    try { stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { continue; }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close).replace(/:.*/, '');
    const f = stat.slice(close + 2).split(' ');
    by[comm] = (by[comm] || 0) + (Number(f[11]) + Number(f[12])) / TICK;
  }
  return by;
}

function cpuShares(before, after, seconds, client) {
  const cores = os.cpus().length;
  const shares = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] || 0);
    if (d > 0.005 * seconds) shares[k] = d;
  }
  if (client !== undefined) shares['bench-live'] = client;
  const pct = (x) => Math.round((100 * x) / (seconds * cores));
  return Object.fromEntries(Object.entries(shares).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, pct(v)]));
}

function runLive(args) {
  const out = path.join(WORK, `live-${Date.now()}.json`);
  const before = cpuByProcess();
  const r = spawnSync(BENCH_LIVE, [...args, '--json', out], { encoding: 'utf8', timeout: 300000 });
  const after = cpuByProcess();
  if (r.status !== 0 || !fs.existsSync(out)) throw new Error(`bench-live failed (${r.status}): ${r.stderr?.slice(-500)}`);
  const live = JSON.parse(fs.readFileSync(out, 'utf8'));
  live.cpu = cpuShares(before, after, live.totalS, live.cpuS);
  return live;
}

/** "nginx 45%, bench-live 30%, ...": shares of all cores over a run. */
const cpuText = (cpu) => Object.entries(cpu || {}).slice(0, 5).map(([k, v]) => `${k} ${v}%`).join(', ');

function runWrk(args) {
  const r = spawnSync('wrk', args, { encoding: 'utf8', timeout: 300000 });
  const line = (r.stdout || '').split('\n').find((l) => l.startsWith('WRKJSON '));
  if (!line) throw new Error(`wrk failed: ${r.stdout?.slice(-500)} ${r.stderr?.slice(-500)}`);
  return JSON.parse(line.slice(8));
}

function record(scenario, load, s, extra = {}) {
  const row = { scenario, load, p50: s.p50, p90: s.p90, p99: s.p99, max: s.max, ...extra };
  results.push(row);
  console.error(`bench: ${scenario} | ${load} | p50 ${fmt(s.p50)} p99 ${fmt(s.p99)} ms ${extra.throughput ? `| ${Math.round(extra.throughput)}/s` : ''} ${extra.integrity ? `| ${extra.integrity}` : ''}`);
  return row;
}

const fmt = (x) => (x === undefined || x === null ? '-' : Number(x).toFixed(2));
const seconds = QUICK ? 3 : 10;

// ---------------------------------------------------------------- scenarios

async function voteToScreen(host) {
  // BENCH_SIZES=1000 BENCH_TRANSPORTS=ws narrow it down when profiling by hand.
  const sizes = process.env.BENCH_SIZES?.split(',').map(Number) ?? (QUICK ? [100, 1000] : [100, 1000, 5000]);
  const tokens = writeLines('alt-tokens.txt', guestTokens(50));
  // Over loopback TCP the sending CPU also runs the receiver's half of TCP, so
  // nginx pays for both ends of every delivery; over a unix socket it pays
  // about what it would to screens on other machines. Rows of both.
  const paths = [['', []], [' over a unix socket', ['--subscribe-unix', path.join(DATA, 'run/http.sock')]]];
  const out = {};
  for (const transport of process.env.BENCH_TRANSPORTS?.split(',') ?? ['sse', 'ws']) {
    for (const s of sizes) {
      for (const [over, via] of paths) {
        if (via.length && s < 1000) continue;
        const room = await roomWith(1, host);
        const live = runLive([...via, '--host', '127.0.0.1', '--port', String(PORT), '--path-events', `/rooms/${room.code}/events`,
          '--subscribers', String(s), '--transport', transport, '--votes', String(100 * seconds), '--rate', '100',
          '--vote-path', `/rooms/${room.code}/queue/${room.entries[0]}/vote`, '--tokens', tokens, '--values', 'alternate',
          '--connections', '4']);
        out[`${transport}:${s}${via.length ? ':unix' : ''}`] = live;
        // The floor: the same subscribers and rate, published straight to nchan.
        const floor = runLive([...via, '--host', '127.0.0.1', '--port', String(PORT), '--path-events', `/rooms/${room.code}/events`,
          '--subscribers', String(s), '--transport', transport, '--votes', String(100 * seconds), '--rate', '100',
          '--vote-path', `/pub/rooms/${room.code}`, '--publish-unix', path.join(DATA, 'run/nchan-pub.sock'),
          '--tokens', tokens, '--connections', '4']);
        record('1 vote→screen', `${s} ${transport} subscribers${over}, 100 votes/s`, live.delivery, {
          throughput: live.voteRatePerS,
          errors: live.votesFailed + (live.subscribers - live.subscribersConnected),
          integrity: `${live.delivery.count}/${live.delivery.expected} delivered, ${live.delivery.duplicates} dup, ${live.delivery.outOfOrder} reordered; vote request p50 ${fmt(live.request.p50)} p99 ${fmt(live.request.p99)} ms; CPU ${cpuText(live.cpu)}`,
          request: live.request, cpu: live.cpu,
        });
        record('1 nchan alone', `${s} ${transport} subscribers${over}, 100 publishes/s`, floor.delivery, {
          throughput: floor.voteRatePerS,
          errors: floor.votesFailed + (floor.subscribers - floor.subscribersConnected),
          integrity: `${floor.delivery.count}/${floor.delivery.expected} delivered; queued adds p50 ${fmt(live.delivery.p50 - floor.delivery.p50)}, p99 ${fmt(live.delivery.p99 - floor.delivery.p99)} ms; CPU ${cpuText(floor.cpu)}`,
          cpu: floor.cpu,
        });
      }
    }
  }
  return out;
}

/**
 * As many votes as the box takes: a closed loop of 64 connections (bench-live
 * --rate 0), each vote from a distinct voter, so every acknowledged vote must
 * be exactly one point in the database. wrk would cut requests off mid-flight
 * at the end of its run, which makes "acknowledged = stored" unanswerable.
 */
async function voteThroughput(host) {
  const rows = [];
  for (const [label, nRooms, perRoom] of [['100 rooms', 100, 10], ['one hot room', 1, 10]]) {
    const rooms = [];
    for (let i = 0; i < nRooms; i++) rooms.push(await roomWith(perRoom, host));
    const n = QUICK ? 20000 : 60000;
    const tokens = writeLines(`tput-tokens-${nRooms}.txt`, guestTokens(n));
    const paths = writeLines(`tput-paths-${nRooms}.txt`, Array.from({ length: n }, (_, i) => {
      const room = rooms[i % nRooms];
      return `/rooms/${room.code}/queue/${room.entries[Math.floor(i / nRooms) % perRoom]}/vote`;
    }));
    const hot = () => psql("SELECT n_tup_upd || ' ' || n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'queue_entries'").split(' ').map(Number);
    const hotBefore = hot();
    const w = runLive(['--host', '127.0.0.1', '--port', String(PORT), '--subscribers', '0', '--transport', 'sse',
      '--votes', String(n), '--rate', '0', '--connections', '64', '--paths', paths, '--tokens', tokens, '--values', 'up']);
    await new Promise((r) => setTimeout(r, 1500)); // PostgreSQL publishes table statistics about once a second
    const hotAfter = hot();
    // Share of score updates that wrote no index entry (HOT): see sql/008.
    const hotShare = Math.round((100 * (hotAfter[1] - hotBefore[1])) / Math.max(1, hotAfter[0] - hotBefore[0]));
    const codes = rooms.map((r) => `'${r.code}'`).join(',');
    const total = Number(psql(`SELECT coalesce(sum(e.score), 0) FROM queue_entries e JOIN rooms r ON r.id = e.room_id WHERE r.code IN (${codes})`));
    const rowsInDb = Number(psql(`SELECT count(*) FROM votes v JOIN queue_entries e ON e.id = v.entry_id JOIN rooms r ON r.id = e.room_id WHERE r.code IN (${codes})`));
    rows.push(record('2 vote throughput', `${label}, 64 connections, ${n} distinct voters`, w.request, {
      throughput: w.voteRatePerS,
      errors: w.votesFailed,
      integrity: `${total === w.votesOk && rowsInDb === total ? `exact: ${total} in DB = ${w.votesOk} acknowledged` : `FAILED: DB ${total} (rows ${rowsInDb}) vs acknowledged ${w.votesOk}`}; ${hotShare}% HOT entry updates; CPU ${cpuText(w.cpu)}`,
      cpu: w.cpu,
    }));
  }
  return rows;
}

/**
 * The vote request with and without listeners, timed by the client that also
 * reads the subscribers (as for the peer). A client of its own was tried: on
 * two cores it waits for a core behind nginx and the subscriber client, and
 * its figures were noisier and worse, not cleaner.
 */
async function voteLatencyVsListeners(host, liveRuns) {
  const tokens = writeLines('alt-tokens-2.txt', guestTokens(50));
  const room = await roomWith(1, host);
  const run = (subs, via = []) => runLive([...via, '--host', '127.0.0.1', '--port', String(PORT), '--path-events', `/rooms/${room.code}/events`,
    '--subscribers', String(subs), '--transport', 'sse', '--votes', String(100 * seconds), '--rate', '100',
    '--vote-path', `/rooms/${room.code}/queue/${room.entries[0]}/vote`, '--tokens', tokens, '--values', 'alternate',
    '--connections', '4']);
  const zero = run(0);
  record('3 vote request latency', '0 subscribers, 100 votes/s', zero.request, { throughput: zero.voteRatePerS, errors: zero.votesFailed });
  const cases = [['1,000 subscribers', liveRuns?.['sse:1000'], []],
    ['1,000 subscribers over a unix socket', liveRuns?.['sse:1000:unix'], ['--subscribe-unix', path.join(DATA, 'run/http.sock')]]];
  for (const [label, earlier, via] of cases) {
    const r = earlier || run(1000, via);
    record('3 vote request latency', `${label}, 100 votes/s`, r.request, {
      throughput: r.voteRatePerS, errors: r.votesFailed,
      integrity: `p50 ratio ${(r.request.p50 / zero.request.p50).toFixed(2)}x, p99 ratio ${(r.request.p99 / zero.request.p99).toFixed(2)}x`,
    });
  }
}

// A GET that a worker must answer: nginx leaves conditional requests to the
// workers, and this tag never matches, so the answer is the whole snapshot
// from the Redis cache.
const THROUGH_WORKER = ['-H', 'If-None-Match: "bench"'];

async function reads(host) {
  const room = await roomWith(20, host);
  const url = `${URL_BASE}/rooms/${room.code}/queue`;
  const body = await (await fetch(url)).text(); // from the database; leaves the file and the Redis entry
  const again = await fetch(url);
  const fileBody = await again.text();
  const viaWorker = await (await fetch(url, { headers: { 'if-none-match': '"bench"' } })).text();
  const same = fileBody === body && viaWorker === body && again.headers.get('x-data-source') === 'snapshot';
  fs.writeFileSync(path.join(DATA, 'uploads', 'bench-snapshot.json'), body);
  const lua = path.join(ROOT, 'tests/bench/get.lua');
  const file = runWrk(['-t2', '-c32', `-d${seconds}s`, '-s', lua, url]);
  const worker = runWrk(['-t2', '-c32', `-d${seconds}s`, '-s', lua, ...THROUGH_WORKER, url]);
  const stat = runWrk(['-t2', '-c32', `-d${seconds}s`, '-s', lua, `${URL_BASE}/uploads/bench-snapshot.json`]);
  const rate = (w) => w.ok / (w.durationUs / 1e6);
  const s = rate(stat);
  record('4 reads', `GET queue, snapshot file via nginx (${body.length} bytes), 32 connections`, file, {
    throughput: rate(file), errors: file.failed,
    integrity: `${(100 * rate(file) / s).toFixed(0)}% of static; ${same ? 'same bytes from the file, the worker and the database' : 'FAILED: the file, the worker and the database differ'}`,
  });
  record('4 reads', 'GET queue through a worker (Redis cache), 32 connections', worker, {
    throughput: rate(worker), errors: worker.failed, integrity: `${(100 * rate(worker) / s).toFixed(0)}% of static` });
  record('4 reads', 'nginx static file, same bytes, 32 connections', stat, { throughput: s, errors: stat.failed });
}

async function growth(host) {
  const tokens = writeLines('growth-tokens.txt', guestTokens(2000));
  const lua = path.join(ROOT, 'tests/bench/get.lua');
  for (const n of [10, 100, 1000]) {
    const room = await roomWith(n, host);
    const entries = writeLines(`growth-${n}.txt`, room.entries.map(String));
    const v = runLive(['--host', '127.0.0.1', '--port', String(PORT), '--path-events', `/rooms/${room.code}/events`,
      '--subscribers', '0', '--transport', 'sse', '--votes', String(50 * seconds), '--rate', '50',
      '--vote-path', `/rooms/${room.code}/queue/{entry}/vote`, '--entries', entries, '--tokens', tokens, '--values', 'up']);
    record('5 growth: vote', `${n} waiting entries, 50 votes/s`, v.request, { throughput: v.voteRatePerS, errors: v.votesFailed });
    const url = `${URL_BASE}/rooms/${room.code}/queue`;
    const text = await (await fetch(url)).text();
    const g = runWrk(['-t1', '-c4', `-d${Math.max(2, seconds / 2)}s`, '-s', lua, url]);
    // The answer grows with the queue; the same bytes as a static file say what the size alone costs.
    fs.writeFileSync(path.join(DATA, 'uploads', `bench-growth-${n}.json`), text);
    const st = runWrk(['-t1', '-c4', `-d${Math.max(2, seconds / 2)}s`, '-s', lua, `${URL_BASE}/uploads/bench-growth-${n}.json`]);
    record('5 growth: GET', `${n} waiting entries (${text.length} bytes), snapshot file, 4 connections`, g, {
      throughput: g.ok / (g.durationUs / 1e6), errors: g.failed,
      integrity: `static file of the same bytes: p50 ${fmt(st.p50)}, p99 ${fmt(st.p99)} ms, ${Math.round(st.ok / (st.durationUs / 1e6))}/s` });
    const w = runWrk(['-t1', '-c4', `-d${Math.max(2, seconds / 2)}s`, '-s', lua, ...THROUGH_WORKER, url]);
    record('5 growth: GET', `${n} waiting entries, through a worker, 4 connections`, w, { throughput: w.ok / (w.durationUs / 1e6), errors: w.failed });
  }
}

async function peer(liveRuns, throughputRows) {
  const dir = path.join(ROOT, 'tests/bench/peer');
  if (!fs.existsSync(path.join(dir, 'server.mjs'))) { console.error('bench: no peer in tests/bench/peer'); return; }
  if (!fs.existsSync(path.join(dir, 'node_modules'))) execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir });
  const peerPort = PORT + 1;
  const key = 'bench-peer-key-0123456789abcdef';
  const proc = spawn('node', [path.join(dir, 'server.mjs')], {
    env: { ...process.env, PEER_PORT: String(peerPort), PGHOST: env.PGHOST, PGPORT: env.PGPORT, PGUSER: env.PGUSER,
      PGDATABASE: env.PGDATABASE, PEER_REDIS_SOCKET: env.REDIS_SERVER, PEER_TOKEN_KEY: key },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${peerPort}`;
  try {
    for (let i = 0; i < 100; i++) {
      try { await fetch(`${base}/peer/rooms/none/playlist`); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
    }
    const mk = async () => {
      const roomId = (await api('POST', '/peer/rooms', { name: 'bench' }, null, base)).json.roomId;
      const entryIds = [];
      for (let i = 0; i < 10; i++) entryIds.push((await api('POST', `/peer/rooms/${roomId}/entries`, { title: `s${i}` }, null, base)).json.entryId);
      return { roomId, entryIds };
    };
    const peerTokens = (n) => Array.from({ length: n }, () => sign({ id: `voter-${++tokenSerial}` }, key));
    const alt = writeLines('peer-alt.txt', peerTokens(50));
    for (const s of QUICK ? [100, 1000] : [100, 1000]) {
      const { roomId, entryIds } = await mk();
      const live = runLive(['--host', '127.0.0.1', '--port', String(peerPort), '--path-events', '/socket.io/?EIO=4&transport=websocket',
        '--transport', 'sio', '--sio-room', roomId, '--subscribers', String(s), '--votes', String(100 * seconds), '--rate', '100',
        '--vote-path', `/peer/rooms/${roomId}/entries/${entryIds[0]}/vote`, '--tokens', alt, '--values', 'alternate',
        '--connections', '4']);
      const ours = liveRuns?.[`ws:${s}`];
      record('6 peer vote→screen', `${s} Socket.IO subscribers, 100 votes/s`, live.delivery, {
        throughput: live.voteRatePerS, errors: live.votesFailed,
        integrity: ours ? `queued/peer p99 ${(ours.delivery.p99 / live.delivery.p99).toFixed(2)}x` : '',
      });
      record('6 peer vote request', `${s} Socket.IO subscribers, 100 votes/s`, live.request, {
        throughput: live.voteRatePerS, errors: live.votesFailed,
        integrity: ours ? `queued/peer p50 ${(ours.request.p50 / live.request.p50).toFixed(2)}x` : '',
      });
    }
    const { roomId, entryIds } = await mk();
    const n = QUICK ? 5000 : 20000;
    const paths = writeLines('peer-paths.txt', Array.from({ length: n }, (_, i) => `/peer/rooms/${roomId}/entries/${entryIds[i % 10]}/vote`));
    const w = runLive(['--host', '127.0.0.1', '--port', String(peerPort), '--subscribers', '0', '--transport', 'sio',
      '--votes', String(n), '--rate', '0', '--connections', '64', '--paths', paths,
      '--tokens', writeLines('peer-tput-tokens.txt', peerTokens(n)), '--values', 'up']);
    const total = Number(psql(`SELECT coalesce(sum(score), 0) FROM peer.entries WHERE room_id = ${Number(roomId)}`));
    const hot = throughputRows?.find((r) => r.load.startsWith('one hot room'));
    record('6 peer vote throughput', `one room, 64 connections, ${n} distinct voters`, w.request, {
      throughput: w.voteRatePerS, errors: w.votesFailed,
      integrity: `${total === w.votesOk ? 'exact' : `FAILED: DB ${total} vs acknowledged ${w.votesOk}`}${hot ? `; queued/peer ${(hot.throughput / w.voteRatePerS).toFixed(1)}x` : ''}`,
    });
  } finally {
    proc.kill('SIGTERM');
  }
}

/**
 * Replacing the workers under load: 16 clients vote and read through a
 * worker (If-None-Match keeps nginx's file out) while `./dev service reload
 * workers` runs twice. Every request counts, none is retried: a failure is
 * a connection error or a 5xx. The longest answer is the reload's cost.
 */
async function reload(host) {
  const room = await roomWith(10, host);
  const tokens = guestTokens(16);
  const ms = [];
  let failed = 0, stop = false;
  const reloadOnce = () => new Promise((resolve, reject) => {
    const t = performance.now();
    execFile(path.join(ROOT, 'dev'), ['service', 'reload', 'workers', '--data', DATA], (e) => (e ? reject(e) : resolve(performance.now() - t)));
  });
  async function one(method, p, body, token) {
    const t = performance.now();
    try {
      const res = await fetch(URL_BASE + p, { method, body: body && JSON.stringify(body),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'if-none-match': '"bench"' } });
      await res.arrayBuffer();
      if (res.status >= 500) failed++;
    } catch { failed++; }
    ms.push(performance.now() - t);
  }
  const clients = tokens.map(async (token, i) => {
    for (let n = 0; !stop; n++) {
      if (n % 2) await one('GET', `/rooms/${room.code}/queue`, undefined, token);
      else await one('PUT', `/rooms/${room.code}/queue/${room.entries[(i + n) % room.entries.length]}/vote`, { value: (n >> 1) % 2 ? -1 : 1 }, token);
    }
  });
  const started = performance.now();
  const pause = (x) => new Promise((r) => setTimeout(r, x));
  await pause(seconds * 250);
  const first = await reloadOnce();
  await pause(seconds * 250);
  const second = await reloadOnce();
  await pause(seconds * 250);
  stop = true;
  await Promise.all(clients);
  const s = stats(ms);
  record('8 reload', `votes and reads through workers, 16 clients, 2 reloads in ${Math.round((performance.now() - started) / 1000)} s`, s, {
    throughput: ms.length / ((performance.now() - started) / 1000), errors: failed,
    integrity: `${ms.length} requests, ${failed} failed, longest ${fmt(s.max)} ms; reloads took ${Math.round(first)} and ${Math.round(second)} ms`,
  });
}

// ---------------------------------------------------------------- main


/** p50/p90/p99/max of a list of milliseconds. */
function stats(ms) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: s[s.length - 1] };
}

/** Subscribes like a second device: resolves each revision's arrival time (performance.now()). */
async function deviceStream(token) {
  const { url } = (await api('GET', '/me/queue/subscription', undefined, token)).json.data;
  const arrivals = new Map();
  const ctrl = new AbortController();
  const res = await fetch(URL_BASE + url, { headers: { accept: 'text/event-stream' }, signal: ctrl.signal });
  if (res.status !== 200) throw new Error(`subscription: ${res.status}`);
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ done: true }));
      if (done) return;
      buf += dec.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5)).join('\n');
        if (data) { const m = JSON.parse(data); arrivals.set(m.revision, { at: performance.now(), state: !!m.state }); }
      }
    }
  })();
  return { arrivals, close: () => ctrl.abort() };
}

async function personalQueue() {
  songs ??= (await api('GET', '/songs')).json.data.songs.map((s) => s.id);
  // Distinct songs as a real queue mostly holds them (the demo catalog has ~30).
  while (extraSongs.length < 1000) {
    const r = await api('POST', '/songs', { title: `Bench ${extraSongs.length}`, year: 2020, genre: 'bench', performer: 'Bench', duration: 200 });
    extraSongs.push(r.json.data.songId);
  }
  for (const size of [100, 1000]) await personalQueueOf(size);
}

async function personalQueueOf(size) {
  const name = `bench_${size}_${Date.now()}`;
  await api('POST', '/users', { username: name, password: 'bench-password', fullname: 'Bench' });
  const token = (await api('POST', '/authentications', { username: name, password: 'bench-password' })).json.data.accessToken;
  const ids = extraSongs.slice(0, size);
  const n = QUICK ? 50 : 300;
  const label = size.toLocaleString('en-US');
  const call = async (method, p, body, rev, prefer) => {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    if (rev !== undefined) headers['if-match'] = `"${rev}"`;
    if (prefer) headers.prefer = prefer;
    const t0 = performance.now();
    const res = await fetch(URL_BASE + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = await res.json();
    if (res.status !== 200) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json).slice(0, 200)}`);
    return { ms: performance.now() - t0, t0, rev: json.data.revision, tracks: json.data.tracks?.length };
  };
  let rev = (await call('GET', '/me/queue')).rev;
  rev = (await call('PUT', '/me/queue', { trackIds: ids, currentIndex: 0, currentTrackId: ids[0], repeatMode: 'all' }, rev)).rev;
  const device = await deviceStream(token);
  await new Promise((r) => setTimeout(r, 200));
  const put = [], putMinimal = [], next = [], move = [], toDevice = [], toDeviceState = [];
  let fetched = 0; // messages that came without the state, so the device fetched the queue
  let hydrated = true;
  for (let i = 0; i < n; i++) {
    // Each PUT rotates the list by one: a real change of every position.
    const rot = [...ids.slice(i % size), ...ids.slice(0, i % size)];
    const r = await call('PUT', '/me/queue', { trackIds: rot, currentIndex: 0, currentTrackId: rot[0], repeatMode: 'all' }, rev);
    hydrated &&= r.tracks === size;
    put.push(r.ms);
    rev = r.rev;
    // The second device: the message, then its GET of the queue when the
    // state was too big to travel in it (docs/personal-queue.md).
    const end = performance.now() + 2000;
    while (!device.arrivals.has(rev) && performance.now() < end) await new Promise((res) => setTimeout(res, 0));
    if (device.arrivals.has(rev)) {
      const got = device.arrivals.get(rev);
      toDevice.push(got.at - r.t0);
      if (got.state) {
        toDeviceState.push(got.at - r.t0);
      } else {
        await call('GET', '/me/queue');
        toDeviceState.push(performance.now() - r.t0);
        fetched++;
      }
    }
    // What the web client sends: the same PUT, answered without the tracks it has.
    const back = [...rot.slice(1), rot[0]];
    const pm = await call('PUT', '/me/queue', { trackIds: back, currentIndex: 0, currentTrackId: back[0], repeatMode: 'all' }, rev, 'return=minimal');
    putMinimal.push(pm.ms);
    rev = pm.rev;
    const a = await call('POST', '/me/queue/next');
    next.push(a.ms);
    rev = a.rev;
    const m = await call('POST', '/me/queue/move', { from: size / 2, to: size - 10 });
    move.push(m.ms);
    rev = m.rev;
  }
  device.close();
  const ok = hydrated && toDevice.length === n ? `every answer ${label} hydrated tracks` : `FAILED: ${toDevice.length}/${n} messages, hydrated ${hydrated}`;
  const tput = (ms) => 1000 * ms.length / ms.reduce((x, y) => x + y, 0);
  record('6 personal queue', `PUT of ${label} entries (If-Match), answer hydrated, ${n} sequential`, stats(put), { throughput: tput(put), integrity: ok });
  record('6 personal queue', `PUT of ${label} entries, Prefer: return=minimal (the web client's), ${n} sequential`, stats(putMinimal), { throughput: tput(putMinimal) });
  record('6 personal queue', `POST next, ${label} entries, ${n} sequential`, stats(next), { throughput: tput(next) });
  record('6 personal queue', `POST move, ${label} entries, ${n} sequential`, stats(move), { throughput: tput(move) });
  record('6 personal queue', `${label} entries: PUT sent → message at a second device (SSE)`, stats(toDevice), { integrity: `${toDevice.length}/${n} received` });
  record('6 personal queue', `${label} entries: PUT sent → second device has the new queue`, stats(toDeviceState), {
    integrity: fetched ? `${fetched}/${toDeviceState.length} needed a GET after the message` : 'the state came in every message' });
}

/**
 * Two nodes of one queued (docs/multi-node.md: ./dev up --multi-node and
 * --join), nchan in Redis storage: 1,000 subscribers split over both
 * nodes' unix sockets with the votes going to node A, against all of them on
 * node A, against the bench's own single node in memory mode; and what one
 * publish costs with each storage (nchan's publisher answer, "nchan alone").
 */
async function multiNode() {
  const nodes = [];
  const start = (name, ...opts) => {
    const data = fs.mkdtempSync(path.join(os.tmpdir(), `queued-bench-${name}.`));
    const port = 20000 + Math.floor(Math.random() * 30000);
    execFileSync(path.join(ROOT, 'dev'), ['up', '--port', String(port), '--data', data, ...opts], { stdio: ['ignore', 'ignore', 'inherit'] });
    const node = { data, port, base: `http://127.0.0.1:${port}`, http: path.join(data, 'run/http.sock'), pub: path.join(data, 'run/nchan-pub.sock') };
    nodes.push(node);
    return node;
  };
  try {
    const a = start('a', '--multi-node');
    const b = start('b', '--join', a.data);
    const keyA = fs.readFileSync(path.join(a.data, 'queued.env'), 'utf8').match(/^ACCESS_TOKEN_KEY=(.*)$/m)[1];
    const tokensA = writeLines('node-a-tokens.txt', guestTokens(50, keyA));
    const hostA = guestTokens(1, keyA)[0];
    const songA = (await api('GET', '/songs', undefined, undefined, a.base)).json.data.songs[0].id;
    const roomOnA = async () => {
      const room = (await api('POST', '/rooms', { name: 'bench nodes' }, hostA, a.base)).json.data.room;
      const entry = (await api('POST', `/rooms/${room.code}/queue`, { songId: songA }, hostA, a.base)).json.data.entry.id;
      return { code: room.code, entry };
    };
    const s = 1000;
    for (const transport of ['ws', 'sse']) {
      const runs = [
        ['two nodes, Redis storage', a, ['--subscribe-unix', a.http, '--subscribe-unix-b', b.http], `${s} ${transport} subscribers split over two nodes (unix sockets), votes to node A`],
        ['one node, Redis storage', a, ['--subscribe-unix', a.http], `${s} ${transport} subscribers on node A (unix socket)`],
        ['one node, memory', null, ['--subscribe-unix', path.join(DATA, 'run/http.sock')], `${s} ${transport} subscribers on one node (unix socket)`],
      ];
      for (const [label, node, via, load] of runs) {
        const room = node ? await roomOnA() : await roomWith(1, host).then((r) => ({ code: r.code, entry: r.entries[0] }));
        const common = [...via, '--host', '127.0.0.1', '--port', String(node ? node.port : PORT), '--path-events', `/rooms/${room.code}/events`,
          '--subscribers', String(s), '--transport', transport, '--votes', String(100 * seconds), '--rate', '100',
          '--tokens', node ? tokensA : writeLines('alt-tokens.txt', guestTokens(50)), '--connections', '4'];
        const live = runLive([...common, '--vote-path', `/rooms/${room.code}/queue/${room.entry}/vote`, '--values', 'alternate']);
        const floor = runLive([...common, '--vote-path', `/pub/rooms/${room.code}`, '--publish-unix', node ? node.pub : path.join(DATA, 'run/nchan-pub.sock')]);
        record(`7 ${label}`, `${load}, 100 votes/s: vote → screen`, live.delivery, {
          throughput: live.voteRatePerS,
          errors: live.votesFailed + (live.subscribers - live.subscribersConnected),
          integrity: `${live.delivery.count}/${live.delivery.expected} delivered, ${live.delivery.duplicates} dup, ${live.delivery.outOfOrder} reordered; vote request p50 ${fmt(live.request.p50)} p99 ${fmt(live.request.p99)} ms; nchan alone p50 ${fmt(floor.delivery.p50)} p99 ${fmt(floor.delivery.p99)} ms; CPU ${cpuText(live.cpu)}`,
          request: live.request, cpu: live.cpu,
        });
        record(`7 ${label}`, `${load}: one publish to nchan (its answer)`, floor.request, {
          throughput: floor.voteRatePerS,
          integrity: `${floor.delivery.count}/${floor.delivery.expected} delivered`,
        });
      }
    }
  } finally {
    for (const n of nodes.reverse()) {
      try { execFileSync(path.join(ROOT, 'dev'), ['down', '--data', n.data], { stdio: 'ignore' }); } catch { /* reported by dev */ }
      fs.rmSync(n.data, { recursive: true, force: true });
    }
  }
}

/**
 * A party's searches replayed against a stand-in YouTube that prices each
 * call as the Data API does (search.list 100 units, videos.list 1): what the
 * quota costs with no cache (every search a search.list), with the exact-query
 * cache of GET /youtube/search, and with GET /search's cache of normalised
 * queries and per-video metadata (issue #18). The log: a few thousand
 * searches of a few dozen popular songs (Zipf), typed with other case,
 * spacing and punctuation, some with typos, and a long tail of one-off
 * queries. Replayed in seconds, so TTLs never run out: the figure is the
 * cache's reach over one evening's repeats, not its lifetime.
 */
function partyLog(n) {
  let seed = 7;
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const songs = Array.from({ length: 60 }, (_, i) => `artist ${String.fromCharCode(97 + (i % 26))}${i} song title ${i}`);
  const zipf = () => Math.min(songs.length - 1, Math.floor(songs.length ** rnd()) - 1);
  const variant = (q) => {
    const r = rnd();
    if (r < 0.55) return q;
    if (r < 0.70) return q.replace(/\b\w/g, (c) => c.toUpperCase());
    if (r < 0.80) return `  ${q.replace(/ /g, '  ')} `;
    if (r < 0.88) return `${q}!`.replace(' song ', ' - song, ');
    const at = 1 + Math.floor(rnd() * (q.length - 2)); // a typo: one letter swapped
    return q.slice(0, at) + q[at + 1] + q[at] + q.slice(at + 2);
  };
  return Array.from({ length: n }, (_, i) => (rnd() < 0.08 ? `one-off request ${i}` : variant(songs[zipf()])));
}

async function searchQuota() {
  const calls = { search: 0, videos: 0 };
  const http = await import('node:http');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    res.writeHead(200, { 'content-type': 'application/json' });
    if (url.pathname.endsWith('/search')) {
      calls.search++;
      const q = url.searchParams.get('q') || '';
      const items = Array.from({ length: 5 }, (_, i) => ({ id: { kind: 'youtube#video', videoId: `v${String(Math.abs([...q].reduce((h, c) => h * 31 + c.charCodeAt(0) | 0, i))).padStart(10, '0').slice(0, 10)}` }, snippet: { title: `${q} (${i})`, channelTitle: 'Stand-in' } }));
      res.end(JSON.stringify({ kind: 'youtube#searchListResponse', nextPageToken: 'CAUQAA', items }));
    } else if (url.pathname.endsWith('/videos')) {
      calls.videos++;
      const ids = (url.searchParams.get('id') || '').split(',').filter(Boolean);
      res.end(JSON.stringify({ kind: 'youtube#videoListResponse', items: ids.map((id) => ({ id, snippet: { title: `video ${id}`, channelTitle: 'Stand-in', thumbnails: { default: { url: 'https://i.ytimg.com/x.jpg' } } }, contentDetails: { duration: 'PT3M33S' }, status: { embeddable: true, privacyStatus: 'public' } })) }));
    } else {
      res.end('{}');
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const apiUrl = `http://127.0.0.1:${server.address().port}/youtube/v3`;
  const workers = (env) => {
    execFileSync(path.join(ROOT, 'dev'), ['service', 'stop', 'workers', '--data', DATA], { stdio: 'ignore' });
    execFileSync(path.join(ROOT, 'dev'), ['service', 'start', 'workers', '--data', DATA], { env: { ...process.env, ...env }, stdio: 'ignore' });
  };
  const log = partyLog(QUICK ? 2000 : 5000);
  const distinctExact = new Set(log).size;
  try {
    workers({ YOUTUBE_API_KEY: 'bench-key', YOUTUBE_API_URL: apiUrl, YOUTUBE_DAILY_BUDGET: '100000000' });
    const units = () => 100 * calls.search + calls.videos;
    const replay = async (route) => {
      calls.search = 0; calls.videos = 0;
      let failed = 0;
      for (const q of log) {
        const r = await fetch(`${URL_BASE}${route}?q=${encodeURIComponent(q)}`, { headers: { authorization: `Bearer ${host}` } });
        if (r.status !== 200) failed++;
        await r.arrayBuffer();
      }
      return { units: units(), search: calls.search, videos: calls.videos, failed };
    };
    const none = 100 * log.length;
    record('9 search quota', `${log.length} party searches, no cache: one search.list each`, {}, { integrity: `${none} units` });
    const today = await replay('/youtube/search');
    record('9 search quota', `${log.length} party searches, GET /youtube/search (exact-query cache)`, {}, {
      errors: today.failed, integrity: `${today.units} units (${today.search} search.list, ${today.videos} videos.list); ${(none / Math.max(1, today.units)).toFixed(1)}x less than none; ${distinctExact} distinct exact queries` });
    const now = await replay('/search');
    if (now.failed === log.length) throw new Error('GET /search answered none of the searches');
    record('9 search quota', `${log.length} party searches, GET /search (normalised queries, video cache)`, {}, {
      errors: now.failed, integrity: `${now.units} units (${now.search} search.list, ${now.videos} videos.list); ${(none / Math.max(1, now.units)).toFixed(1)}x less than none, ${(today.units / Math.max(1, now.units)).toFixed(1)}x less than the exact cache` });
  } finally {
    workers({});
    server.close();
  }
}

const host = guestTokens(1)[0];
let live;
let tput;
const steps = [
  ['votescreen', async () => { live = await voteToScreen(host); }],
  ['throughput', async () => { tput = await voteThroughput(host); }],
  ['listeners', async () => voteLatencyVsListeners(host, live)],
  ['reads', async () => reads(host)],
  ['growth', async () => growth(host)],
  ['peer', async () => peer(live, tput)],
  ['myqueue', async () => personalQueue()],
  ['nodes', async () => multiNode()],
  ['reload', async () => reload(host)],
  ['search', async () => searchQuota()],
];
for (const [name, fn] of steps) {
  if (!want(name)) continue;
  try { await fn(); } catch (e) { console.error(`bench: ${name} failed: ${e.message}`); results.push({ scenario: name, error: e.message }); }
}

const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release() };
fs.writeFileSync(OUT, JSON.stringify({ when: new Date().toISOString(), machine, quick: QUICK, results }, null, 2));
const cols = ['scenario', 'load', 'p50', 'p90', 'p99', 'max', 'throughput', 'errors', 'integrity'];
const rows = results.map((r) => cols.map((c) => (r.error && c === 'load' ? `ERROR ${r.error}` : ['p50', 'p90', 'p99', 'max'].includes(c) ? fmt(r[c]) : c === 'throughput' && r[c] ? `${Math.round(r[c])}/s` : String(r[c] ?? ''))));
const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
console.log(line(cols.map((c) => (['p50', 'p90', 'p99', 'max'].includes(c) ? `${c} ms` : c))));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log(`\nJSON: ${OUT}`);
