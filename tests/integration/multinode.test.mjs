// multinode.test.mjs: two nodes of one queued (docs/multi-node.md): each its own
// nginx with nchan (Redis storage), worker pool and export consumer, both on the
// first node's PostgreSQL and Redis. Started here with `./dev up --multi-node`
// and `./dev up --join`, apart from the suite's own stack, and stopped at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import S3rver from '@20minutes/s3rver';
import { apiAt, assertOk, assertFail, sseAt, wsAt, until, sleep, ROOT } from './lib.mjs';
import { syncClient } from './protocol_client.mjs';

const nodes = {};   // a, b: { base, data, port }

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function dev(...args) {
  // The sanitizer build the suite already made; the suite's settings (no rate limits) pass through.
  return execFileSync(`${ROOT}/dev`, args, { env: { ...process.env, QUEUED_BUILD: 'test' }, stdio: ['ignore', 'pipe', 'inherit'] }).toString();
}

function nodeService(node, action, name, env = {}) {
  execFileSync(`${ROOT}/dev`, ['service', action, name, '--data', node.data],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function startNode(name, ...options) {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), `queued-node-${name}.`));
  const port = await freePort();
  dev('up', '--port', String(port), '--data', data, ...options);
  nodes[name] = { base: `http://127.0.0.1:${port}`, data, port };
}

before(async () => {
  await startNode('a', '--multi-node');
  await startNode('b', '--join', nodes.a.data);
});

after(() => {
  for (const n of [nodes.b, nodes.a]) {
    if (!n) continue;
    try { dev('down', '--data', n.data); } catch { /* reported by dev */ }
    if (!process.env.KEEP_TEST_DATA) fs.rmSync(n.data, { recursive: true, force: true });
  }
});

const A = (...args) => apiAt(nodes.a.base, ...args);
const B = (...args) => apiAt(nodes.b.base, ...args);

async function guest(call, name) {
  const d = assertOk(await call('POST', '/guests', { body: { name } }), 201);
  return { id: d.guestId, token: d.token };
}

async function user(call, name) {
  const creds = { username: `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`, password: 'correct horse battery' };
  assertOk(await call('POST', '/users', { body: { ...creds, fullname: name } }), 201);
  const d = assertOk(await call('POST', '/authentications', { body: creds }), 201);
  return { token: d.accessToken, username: creds.username };
}

async function demoSongs(call) {
  return assertOk(await call('GET', '/songs')).songs.map((s) => s.id);
}

/** A room with one waiting entry, made through node A. */
async function roomWithEntry() {
  const host = await guest(A, 'host');
  const room = assertOk(await A('POST', '/rooms', { token: host.token, body: { name: 'Two nodes' } }), 201).room;
  const [song] = await demoSongs(A);
  const added = assertOk(await A('POST', `/rooms/${room.code}/queue`, { token: host.token, body: { songId: song } }), 201);
  return { host, code: room.code, entryId: added.entry.id, revision: added.revision };
}

/** n votes through call, one guest each (+1), one after the other; the revisions they were answered with. */
async function votes(call, code, entryId, n) {
  const revisions = [];
  for (let i = 0; i < n; i++) {
    const g = await guest(call, `v${i}`);
    revisions.push(assertOk(await call('PUT', `/rooms/${code}/queue/${entryId}/vote`, { token: g.token, body: { value: 1 } })).revision);
  }
  return revisions;
}

const revisionsOf = (msgs) => msgs.map((m) => m.revision);

test('a vote sent to node A reaches EventSource and WebSocket subscribers on node B, in revision order, none lost', async () => {
  const { code, entryId, revision } = await roomWithEntry();
  const es = sseAt(nodes.b.base, `/rooms/${code}/events`);
  const sock = wsAt(nodes.b.base, `/rooms/${code}/events`);
  await es.opened;
  await sock.opened;
  await sleep(200); // nchan's Redis storage subscribes the channel on node B
  const answered = await votes(A, code, entryId, 40);
  assert.deepEqual(answered, Array.from({ length: 40 }, (_, i) => revision + 1 + i));
  const last = answered.at(-1);
  await until(() => es.events.some((e) => e.data.revision === last), 5000, 'the last vote over SSE on B');
  await until(() => sock.messages.some((m) => m.revision === last), 5000, 'the last vote over WebSocket on B');
  assert.deepEqual(revisionsOf(es.events.map((e) => e.data)), answered, 'SSE on B: every revision once, in order');
  assert.deepEqual(revisionsOf(sock.messages), answered, 'WebSocket on B: every revision once, in order');
  assert.equal(es.events.at(-1).data.score, 40);
  es.close();
  sock.close();
});

test('a client that moves from node A to node B resumes from its last event id: no gap, no duplicate', async () => {
  const { code, entryId } = await roomWithEntry();
  const onA = sseAt(nodes.a.base, `/rooms/${code}/events`);
  await onA.opened;
  await sleep(100);
  const first = await votes(A, code, entryId, 10);
  await until(() => onA.events.some((e) => e.data.revision === first.at(-1)), 5000, 'the first ten on A');
  const lastId = onA.events.at(-1).id;
  assert.ok(lastId, 'nchan gives every message an id');
  onA.close();
  // Missed while moving: five through A, five through B.
  const missed = [...await votes(A, code, entryId, 5), ...await votes(B, code, entryId, 5)];
  const onB = sseAt(nodes.b.base, `/rooms/${code}/events`, { lastEventId: lastId });
  await onB.opened;
  await until(() => onB.events.some((e) => e.data.revision === missed.at(-1)), 5000, 'the missed messages on B');
  const live = await votes(B, code, entryId, 3);
  await until(() => onB.events.some((e) => e.data.revision === live.at(-1)), 5000, 'the live messages on B');
  assert.deepEqual(revisionsOf(onB.events.map((e) => e.data)), [...missed, ...live]);
  onB.close();
});

/**
 * A load balancer in front of both nodes, at the TCP level (EventSource and
 * WebSocket pass as they are): each connection goes to the first node that
 * accepts it, in the order given.
 */
function failoverProxy(ports) {
  const server = net.createServer((client) => {
    client.on('error', () => {});
    const tryPort = (i) => {
      if (i >= ports.length) { client.destroy(); return; }
      const upstream = net.connect(ports[i], '127.0.0.1');
      let connected = false;
      upstream.on('error', () => { if (connected) client.destroy(); else tryPort(i + 1); });
      upstream.once('connect', () => {
        connected = true;
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
    };
    tryPort(0);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('node A stopped: its clients reconnect to node B through a load balancer and converge within 2 s', async () => {
  const { code, entryId } = await roomWithEntry();
  const proxy = await failoverProxy([nodes.a.port, nodes.b.port]);
  const base = `http://127.0.0.1:${proxy.address().port}`;
  const clients = [syncClient(code, { base }), syncClient(code, { base, transport: 'ws' })];
  try {
    const before_ = await votes(A, code, entryId, 3);
    await until(() => clients.every((c) => c.state?.revision === before_.at(-1)), 5000, 'both clients in sync through A');
    nodeService(nodes.a, 'stop', 'nginx');
    const stopped = Date.now();
    const [after_] = await votes(B, code, entryId, 1);
    await until(() => clients.every((c) => c.state?.revision === after_), 2000, 'both clients at the server\'s revision');
    const took = Date.now() - stopped;
    assert.ok(took <= 2000, `converged ${took} ms after node A stopped`);
    const server = assertOk(await B('GET', `/rooms/${code}/queue`));
    const scores = (entries) => entries.map((e) => [e.id, e.score]).sort((x, y) => x[0] - y[0]);
    for (const c of clients) assert.deepEqual(scores([...c.state.entries.values()]), scores(server.entries));
  } finally {
    for (const c of clients) c.stop();
    proxy.close();
    nodeService(nodes.a, 'start', 'nginx');
  }
});

test('1,000 random writes through node A: after each, node B serves no older revision (room queue, playlist, personal queue), and no node has a snapshot file', async () => {
  const { host, code } = await roomWithEntry();
  const songs = await demoSongs(A);
  const owner = await user(A, 'coherent');
  const playlistId = assertOk(await A('POST', '/playlists', { token: owner.token, body: { name: 'Both nodes' } }), 201).playlistId;
  const inPlaylist = new Set();
  const voters = [];
  for (let i = 0; i < 8; i++) voters.push(await guest(A, `r${i}`));
  let seed = 42;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const sources = new Set();
  for (let i = 0; i < 1000; i++) {
    const kind = rnd(3);
    if (kind === 0) { // the room's queue
      const q = assertOk(await A('GET', `/rooms/${code}/queue`));
      let written;
      if (q.entries.length > 0 && rnd(3) > 0) {
        const e = q.entries[rnd(q.entries.length)];
        const r = await A('PUT', `/rooms/${code}/queue/${e.id}/vote`, { token: voters[rnd(voters.length)].token, body: { value: rnd(3) - 1 } });
        written = r.status === 200 ? r.json.data.revision : q.revision;
      } else {
        const r = await A('POST', `/rooms/${code}/queue`, { token: host.token, body: { songId: songs[rnd(songs.length)] } });
        assert.ok(r.status === 201 || r.status === 200, r.text); // 200: the song was waiting, the add became a vote
        written = assertOk(r, r.status).revision;
      }
      const res = await B('GET', `/rooms/${code}/queue`);
      sources.add(res.headers.get('x-data-source'));
      const seen = assertOk(res).revision;
      assert.ok(seen >= written, `write ${i}: node B served revision ${seen} after ${written} was acknowledged through A`);
    } else if (kind === 1) { // a playlist
      const song = songs[rnd(songs.length)];
      const has = inPlaylist.has(song);
      assertOk(await A(has ? 'DELETE' : 'POST', `/playlists/${playlistId}/songs`, { token: owner.token, body: { songId: song } }), has ? 200 : 201);
      if (has) inPlaylist.delete(song); else inPlaylist.add(song);
      const seen = assertOk(await B('GET', `/playlists/${playlistId}/songs`, { token: owner.token })).playlist.songs.map((s) => s.id);
      assert.deepEqual(new Set(seen), inPlaylist, `write ${i}: node B's playlist is the one written through A`);
    } else { // the personal queue
      const r = rnd(2) === 0 || i < 3
        ? await A('POST', '/me/queue/tracks', { token: owner.token, body: { songIds: [songs[rnd(songs.length)]] } })
        : await A('POST', '/me/queue/next', { token: owner.token });
      const written = assertOk(r, r.status).revision;
      const seen = assertOk(await B('GET', '/me/queue', { token: owner.token })).revision;
      assert.ok(seen >= written, `write ${i}: node B served personal queue revision ${seen} after ${written}`);
    }
  }
  assert.ok(!sources.has('snapshot'), 'nodes of several serve no snapshot files');
  for (const n of [nodes.a, nodes.b]) assert.deepEqual(fs.readdirSync(path.join(n.data, 'snapshots', 'queue')), []);
});

test('export consumers run on both nodes: each job is mailed once', async () => {
  const owner = await user(A, 'exporter');
  const [song] = await demoSongs(A);
  const playlists = [];
  for (let i = 0; i < 12; i++) {
    const id = assertOk(await A('POST', '/playlists', { token: owner.token, body: { name: `Export ${i}` } }), 201).playlistId;
    assertOk(await A('POST', `/playlists/${id}/songs`, { token: owner.token, body: { songId: song } }), 201);
    playlists.push(id);
  }
  for (const [i, id] of playlists.entries()) {
    assertOk(await (i % 2 ? B : A)('POST', `/export/playlists/${id}`, { token: owner.token, body: { targetEmail: 'fan@example.com' } }), 201);
  }
  for (const n of [nodes.a, nodes.b]) {
    const pid = Number(fs.readFileSync(path.join(n.data, 'run', 'exportd.pid'), 'utf8'));
    assert.doesNotThrow(() => process.kill(pid, 0), 'an export consumer runs on each node');
  }
  // Every node's consumer mails through the first node's SMTP sink.
  const mailDir = path.join(nodes.a.data, 'mail');
  const mailsFor = (id) => fs.readdirSync(mailDir).filter((f) => f.endsWith('.eml'))
    .filter((f) => fs.readFileSync(path.join(mailDir, f), 'latin1').includes(`filename="playlist-${id}.json"`));
  await until(() => playlists.every((id) => mailsFor(id).length >= 1), 20000, 'every export mailed');
  await sleep(1000); // a second copy would come now
  for (const id of playlists) assert.equal(mailsFor(id).length, 1, `playlist ${id} mailed once`);
});

test('rate limits count per member across nodes', async () => {
  // Node B's workers allow 5 votes a minute; node A's (the suite's settings) a million.
  nodeService(nodes.b, 'stop', 'workers');
  nodeService(nodes.b, 'start', 'workers', { RATE_VOTES: '5', RATE_VOTES_WINDOW: '60' });
  try {
    const { code, entryId } = await roomWithEntry();
    const g = await guest(A, 'busy');
    for (const value of [1, 0, 1, 0, 1]) {
      assertOk(await A('PUT', `/rooms/${code}/queue/${entryId}/vote`, { token: g.token, body: { value } }));
    }
    const r = await B('PUT', `/rooms/${code}/queue/${entryId}/vote`, { token: g.token, body: { value: -1 } });
    assertFail(r, 429);
    assert.ok(Number(r.headers.get('retry-after')) > 0);
    const other = await guest(B, 'fresh');
    assertOk(await B('PUT', `/rooms/${code}/queue/${entryId}/vote`, { token: other.token, body: { value: 1 } }));
  } finally {
    nodeService(nodes.b, 'stop', 'workers');
    nodeService(nodes.b, 'start', 'workers');
  }
});

test('with STORAGE=s3, a cover uploaded through node A is served to a client of node B', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'queued-s3-nodes-'));
  const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: 'covers' }] });
  const { port } = await s3.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const s3Env = { STORAGE: 's3', S3_ENDPOINT: endpoint, S3_BUCKET: 'covers', S3_REGION: 'us-east-1',
    S3_ACCESS_KEY: 'S3RVER', S3_SECRET_KEY: 'S3RVER', S3_PUBLIC_BASE_URL: `${endpoint}/covers` };
  for (const n of [nodes.a, nodes.b]) { nodeService(n, 'stop', 'workers'); nodeService(n, 'start', 'workers', s3Env); }
  try {
    const owner = await user(A, 'covers');
    const albumId = assertOk(await A('POST', '/albums', { token: owner.token, body: { name: 'Across nodes', year: 2026 } }), 201).albumId;
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    const form = new FormData();
    form.append('cover', new Blob([png]), 'cover.png');
    const up = await fetch(`${nodes.a.base}/albums/${albumId}/covers`, { method: 'POST', body: form, headers: { authorization: `Bearer ${owner.token}` } });
    assert.equal(up.status, 201, await up.clone().text());
    const { coverUrl } = (await up.json()).data;
    assert.ok(coverUrl.startsWith(`${endpoint}/covers/covers/`), coverUrl);
    const seenOnB = assertOk(await B('GET', `/albums/${albumId}`)).album.coverUrl;
    assert.equal(seenOnB, coverUrl, 'node B names the same object');
    const img = await fetch(seenOnB);
    assert.equal(img.status, 200);
    assert.deepEqual(Buffer.from(await img.arrayBuffer()), png);
    assert.deepEqual(fs.readdirSync(path.join(nodes.a.data, 'uploads')).filter((f) => f !== 'covers'), []);
  } finally {
    for (const n of [nodes.a, nodes.b]) { nodeService(n, 'stop', 'workers'); nodeService(n, 'start', 'workers'); }
    await s3.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
