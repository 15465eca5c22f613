// reload.test.mjs: `./dev service reload workers` under steady load (reads,
// votes, adds) loses no request: no 502, no connection error; the workers are
// all new afterwards, every acknowledged vote is in the database once, and
// live messages still flow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { api, assertOk, newGuest, newRoom, addEntry, songIds, vote, sse, until, sleep, subscriberCount, DATA, ROOT } from './lib.mjs';

const CLIENTS = 8;
const LOAD_MS = 4000;
const run = promisify(execFile);

function workerPids() {
  const master = fs.readFileSync(`${DATA}/run/queued.pid`, 'utf8').trim();
  const out = execFileSync('pgrep', ['-P', master], { encoding: 'utf8' }).trim();
  return { master, children: out.split('\n').filter(Boolean) };
}

/** Not execFileSync: the load goes on while dev waits for the new workers. */
async function reloadWorkers() {
  const started = Date.now();
  await run(`${ROOT}/dev`, ['service', 'reload', 'workers', '--data', DATA]);
  return Date.now() - started;
}

function psqlRows(sql) {
  const out = execFileSync('psql', ['-X', '-qAt', '-F', '\t', '-h', `${DATA}/run/pg`, '-U', 'queued', '-d', 'queued', '-c', sql], { encoding: 'utf8' });
  return out.trim().split('\n').filter(Boolean).map((l) => l.split('\t'));
}

test('reloading the workers twice under load fails no request and keeps every vote', async () => {
  const host = await newGuest('Reload host');
  const room = await newRoom(host);
  const songs = await songIds();
  const entries = [];
  for (const song of songs.slice(0, 4)) entries.push((await addEntry(room.code, host, song)).entry.id);
  // Adding a song that is queued already votes for it: the adds keep off the voted entries.
  const others = songs.slice(4);
  assert.ok(others.length > 0);
  const voters = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => newGuest(`reloader${i}`)));
  const acked = new Map(); // `${voterId}/${entryId}` -> the value last acknowledged
  const counts = { requests: 0, ok: 0, refused: 0, failures: 0, longest: 0 };
  const failures = [];
  const refusals = {}; // `${what} ${status}` -> how many
  let stop = false;

  /** One request; a failure is a 5xx, a non-JSON answer or no answer at all. */
  async function call(what, send) {
    const t = Date.now();
    counts.requests++;
    let r;
    try {
      r = await send();
    } catch (e) {
      counts.failures++;
      failures.push(`${what}: ${e.cause?.code ?? e.message}`);
      return null;
    }
    counts.longest = Math.max(counts.longest, Date.now() - t);
    if (r.status >= 200 && r.status < 300) counts.ok++;
    else if (r.status >= 400 && r.status < 500 && r.json?.status === 'fail') {
      counts.refused++;
      refusals[`${what} ${r.status}`] = (refusals[`${what} ${r.status}`] ?? 0) + 1;
    }
    else { counts.failures++; failures.push(`${what}: ${r.status} ${r.text.slice(0, 80)}`); return null; }
    return r;
  }

  async function client(i) {
    const me = voters[i];
    for (let n = 0; !stop; n++) {
      const kind = n % 4;
      if (kind === 0 || kind === 2) {
        // No If-None-Match: a worker (or nginx's snapshot file) answers in full.
        await call('read', () => api('GET', `/rooms/${room.code}/queue`));
      } else if (kind === 1) {
        const entry = entries[(i + (n >> 2)) % entries.length];
        const value = (n >> 4) % 2 ? -1 : 1;
        const r = await call('vote', () => vote(room.code, entry, me, value));
        if (r?.status === 200) acked.set(`${me.id}/${entry}`, value);
      } else {
        const song = others[(i * 7 + n) % others.length];
        await call('add', () => api('POST', `/rooms/${room.code}/queue`, { token: me.token, body: { songId: song } }));
      }
    }
  }

  const before = workerPids();
  const load = Promise.all(voters.map((_, i) => client(i)));
  await sleep(700);
  const first = await reloadWorkers();
  const middle = workerPids();
  await sleep(700);
  const second = await reloadWorkers();
  const after = workerPids();
  await sleep(Math.max(0, LOAD_MS - 1400 - first - second));
  stop = true;
  await load;
  console.log(`# reload: ${counts.requests} requests, ${counts.ok} ok, ${counts.refused} refused (4xx), ${counts.failures} failed, longest ${counts.longest} ms; reloads took ${first} and ${second} ms; refusals ${JSON.stringify(refusals)}`);
  assert.deepEqual(failures, [], `${counts.failures} of ${counts.requests} requests failed`);
  // Reads and votes are never refused; an add may be (the room's rules for adders).
  assert.deepEqual(Object.keys(refusals).filter((k) => !k.startsWith('add ')), []);
  assert.ok(counts.requests > 200, `load too light to say anything: ${counts.requests} requests`);

  // The same supervisor (the pid dev and systemd know), every worker new each time.
  assert.equal(middle.master, before.master);
  assert.equal(after.master, before.master);
  for (const [was, now] of [[before, middle], [middle, after]]) {
    assert.ok(now.children.length >= 1);
    assert.deepEqual(now.children.filter((p) => was.children.includes(p)), [], 'a worker survived the reload');
  }

  // Every acknowledged vote, once, with its last value (adding an entry
  // votes for it too: only the entries the clients vote on count).
  const voterIds = voters.map((v) => `'${v.id}'`).join();
  const rows = psqlRows(`SELECT voter_id, entry_id, value FROM votes
    WHERE entry_id IN (${entries.join()}) AND voter_id IN (${voterIds})`);
  const stored = new Map();
  for (const [voter, entry, value] of rows) {
    const key = `${voter}/${entry}`;
    assert.ok(!stored.has(key), `vote ${key} stored twice`);
    stored.set(key, Number(value));
  }
  assert.ok(acked.size > 0);
  for (const [key, value] of acked) assert.equal(stored.get(key), value, `acknowledged vote ${key}`);
  assert.equal(stored.size, acked.size, 'a vote nobody acknowledged');

  // Live messages from the new workers.
  const es = sse(`/rooms/${room.code}/events`);
  await es.opened;
  await until(async () => (await subscriberCount(room.code)) >= 1, 5000, 'the subscriber');
  const late = await newGuest('Late voter');
  const d = assertOk(await vote(room.code, entries[0], late, 1));
  const msg = await es.waitFor((e) => e.data.type === 'vote' && e.data.revision === d.revision);
  assert.equal(msg.data.entryId, entries[0]);
  es.close();
});
