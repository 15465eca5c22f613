// hostile.test.mjs: hostile input against every route of fcgi-app/router.c's
// table (read from the C source, so a new route is covered without touching
// this file), with real path parameters and garbage ones: broken JSON, wrong
// types for every field, odd bytes (NUL, invalid and overlong UTF-8, lone
// surrogates), wrong content types, oversize bodies, bad tokens, raw
// traversal paths, odd methods, long query strings and multipart abuse on the
// cover upload. Every answer must be < 500, and a 4xx the API's JSON error
// shape; no worker may die, and the worker log may gain no sanitizer or crash
// line. The cases come from a seeded PRNG: HOSTILE_SEED=<n> replays a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertOk, newGuest, newRoom, addEntry, JSON_TYPE, DATA } from './lib.mjs';
import { newUser, newSong, newAlbum, newPlaylist, addCollaborator, addPlaylistSong, algNone, badSignature } from './catalog_lib.mjs';
import {
  parseRoutes, fillPath, prng, rawRequest, contractProblems, stackEnv, signJwt, workerPids, logMark, NGINX_CRASH, newUserPatiently,
} from './hostile_lib.mjs';

const SEED = Number(process.env.HOSTILE_SEED ?? (Date.now() % 2147483647));
const rnd = prng(SEED);
console.log(`# hostile.test.mjs seed: ${SEED} (replay with HOSTILE_SEED=${SEED})`);

const routes = parseRoutes();
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

let fx;               // fixtures: users, tokens and the real ids
let before;           // worker pids and log marks at the start
let sent = 0;         // requests sent by this file
const problems = [];  // every broken answer, with what reproduces it
const perSection = {};
const statuses = {};  // how often each status came back

const needsAuth = (r) => ['ROUTE_AUTH', 'ROUTE_USER', 'ROUTE_CATALOG'].some((f) => r.flags.has(f));

/** Sends one case and records what is wrong with the answer. */
async function send(section, c) {
  sent++;
  perSection[section] = (perSection[section] ?? 0) + 1;
  const desc = `[${section}] ${c.method} ${c.target.length > 160 ? `${c.target.slice(0, 160)}…(${c.target.length})` : c.target}` +
    `${c.note ? ` (${c.note})` : ''}`;
  let res;
  try {
    res = await rawRequest(c.method, c.target, { headers: c.headers, body: c.body, version: c.version });
  } catch (e) {
    problems.push(`${desc}: ${e.message}`);
    return undefined;
  }
  statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  const p = contractProblems(res, { method: c.method, allow5xx: c.allow5xx?.includes(res.status) });
  const expect = c.expect === undefined ? null : [].concat(c.expect);
  if (expect && !expect.includes(res.status)) p.push(`expected ${expect.join(' or ')}, got ${res.status}`);
  if (/root:x:0:0|ACCESS_TOKEN_KEY|REFRESH_TOKEN_KEY|PGPASSWORD/.test(res.text)) p.push('the answer leaks a file');
  if (p.length) problems.push(`${desc}: ${p.join('; ')} — ${res.text.slice(0, 200).replace(/\s+/g, ' ')}`);
  return res;
}

// ------------------------------------------------------------------ generators

const WRONG = () => [
  'null', 'true', 'false', '0', '-1', '1.5', '-0', '1e308', '1e999', 'NaN', '-Infinity', '""', '"x"',
  '"\\u0000"', '"\\ud800"', '"\\udfff\\ud800"', '[]', '[1,"a",null]', '{}', '{"$ne":1}',
  '99999999999999999999999', '-9223372036854775809', '9223372036854775807', '4294967296',
  JSON.stringify('x'.repeat(5000)), JSON.stringify('../../etc/passwd'), JSON.stringify("' OR 1=1 --"),
  JSON.stringify('<script>alert(1)</script>'), '[[[[[[[[[[]]]]]]]]]]',
];

const GARBAGE_PARAMS = [
  '0', '-1', '99999999999999999999999999', 'A'.repeat(300), '%00', '%ff%fe', '%C0%AE', '%E2%80%AE',
  "'%20OR%20'1'='1", 'null', 'NaN', '1e999', '%C3%A9', ';', '*', '$1', '%25', 'room-%0d%0aX:%20y',
  'é', '\u0001', 'ZZZZZZ', '0O1IL0', 'user-', 'song-', 'playlist-', '-', '.x', '~', '%20',
];

/** A valid body for the routes that take one (unknown new routes: {}). */
function template(route) {
  const { songId, songId2, albumId, playlistId, guestMember, entryId, stranger, throwaway } = fx;
  const song = { title: 'Hostile song', year: 2020, genre: 'Noise', performer: 'Nobody', duration: 180, albumId };
  const t = {
    'POST /guests': { name: 'hostile' },
    'POST /albums': { name: 'Hostile album', year: 2020 },
    'PUT /albums/:id': { name: 'Hostile album', year: 2020 },
    'POST /songs': song,
    'PUT /songs/:id': song,
    'POST /users': { username: `h_${rnd.string(10)}`, password: 'pw-hostile', fullname: 'Hostile' },
    'PUT /me/queue': { trackIds: [songId, songId2], currentIndex: 0, currentTrackId: songId, shuffle: false, originalOrderIds: [], repeatMode: 'none' },
    'PATCH /me/queue': { repeatMode: 'all' },
    'POST /me/queue/tracks': { songIds: [songId], position: 'end' },
    'POST /me/queue/play-now': { songId },
    'POST /me/queue/move': { from: 0, to: 1 },
    'PUT /me/preferences': { autoPlay: true, showRemoteChanges: false },
    'POST /authentications': { username: throwaway.username, password: 'wrong' },
    'PUT /authentications': { refreshToken: throwaway.refreshToken },
    'DELETE /authentications': { refreshToken: 'not-a-token' },
    'POST /playlists': { name: 'Hostile playlist' },
    'POST /playlists/:id/songs': { songId: songId2 },
    'DELETE /playlists/:id/songs': { songId: songId2 },
    'POST /export/playlists/:playlistId': { targetEmail: 'hostile@example.com' },
    'POST /collaborations': { playlistId, userId: stranger.id },
    'DELETE /collaborations': { playlistId, userId: stranger.id },
    'POST /rooms': { name: 'Hostile room' },
    'PATCH /rooms/:code': { name: 'Renamed', votingMode: 'up', autoRemoveThreshold: -5, memberCap: 3, maxQueueLength: 50, maxSongDuration: 600, tieRule: 'fairness', fallbackPlaylistId: playlistId },
    'POST /rooms/:code/cohosts': { memberId: guestMember.id },
    'POST /rooms/:code/bans': { memberId: guestMember.id },
    'POST /rooms/:code/queue': rnd.bool() ? { songId: songId2 } : { youtubeId: 'dQw4w9WgXcQ', title: 'Hostile video', performer: 'Someone', duration: 212 },
    'PUT /rooms/:code/queue/:entryId/vote': { value: 1 },
    'PUT /rooms/:code/queue/:entryId/pin': { position: 1 },
    'POST /rooms/:code/advance': { currentEntryId: null },
    'POST /rooms/:code/skip': { entryId: Number(entryId) },
  };
  return t[route.key] ?? {};
}

/** The body text of a template with one field's value replaced by raw JSON text. */
function withField(obj, field, raw) {
  const parts = Object.entries(obj).map(([k, v]) => `${JSON.stringify(k)}:${k === field ? raw : JSON.stringify(v)}`);
  if (!(field in obj)) parts.push(`${JSON.stringify(field)}:${raw}`);
  return `{${parts.join(',')}}`;
}

/** Replaces every string value of a template by f(string) (raw bytes allowed: returns a Buffer). */
function mapStrings(obj, f) {
  const parts = [Buffer.from('{')];
  Object.entries(obj).forEach(([k, v], i) => {
    if (i) parts.push(Buffer.from(','));
    parts.push(Buffer.from(`${JSON.stringify(k)}:`));
    if (typeof v === 'string') parts.push(Buffer.concat([Buffer.from('"'), f(v), Buffer.from('"')]));
    else parts.push(Buffer.from(JSON.stringify(v)));
  });
  parts.push(Buffer.from('}'));
  return Buffer.concat(parts);
}

/**
 * Hostile JSON bodies: [kind, body, broken] where broken means no strict JSON
 * parser may take it (the router must answer 400 once auth has passed).
 */
function hostileBodies(route) {
  const t = template(route);
  const text = JSON.stringify(t);
  const firstString = Object.keys(t).find((k) => typeof t[k] === 'string') ?? 'name';
  const cut = 1 + rnd.int(Math.max(1, text.length - 1));
  return [
    ['truncated', text.slice(0, cut), true],
    ['trailing garbage', text + rnd.pick(['x', '}', ',{}', '\u0000', '//c', ' 1', '{"a":1}', '\x1b']), true],
    ['NaN', withField(t, firstString, 'NaN'), false],
    ['1e999', withField(t, rnd.pick(Object.keys(t).concat('year')), '1e999'), false],
    ['-1e999', withField(t, rnd.pick(Object.keys(t).concat('year')), '-1e999'), false],
    ['deep arrays', '['.repeat(10000) + ']'.repeat(10000), true],
    ['deep objects', '{"a":'.repeat(10000) + '1' + '}'.repeat(10000), true],
    ['deep unclosed', '{"a":['.repeat(5000), true],
    ['huge string 200 KB', withField(t, firstString, JSON.stringify(rnd.string(200 * 1024))), false],
    ['array instead of object', rnd.bool() ? `[${text}]` : '[]', true],
    ['scalar', rnd.pick(['1', '"s"', 'null', 'true', '-0', '""']), true],
    ['empty', '', true],
    ['whitespace only', ' \r\n\t ', true],
    ['single quotes', text.replace(/"/g, "'"), text.length > 2],
    ['comment', `/* hi */${text}`, true],
    ['trailing comma', text.length > 2 ? text.replace(/}$/, ',}') : '{,}', true],
    ['BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), false],
    ['escaped NUL', mapStrings(t, (s) => Buffer.from(`${s}\\u0000tail`)), false],
    ['raw NUL', mapStrings(t, (s) => Buffer.concat([Buffer.from(s), Buffer.from([0]), Buffer.from('tail')])), false],
    ['raw NUL outside strings', Buffer.concat([Buffer.from('{'), Buffer.from([0]), Buffer.from(text.slice(1))]), true],
    ['invalid UTF-8', mapStrings(t, (s) => Buffer.concat([Buffer.from(s), rnd.pick([Buffer.from([0xff]), Buffer.from([0xfe, 0xfe]), Buffer.from([0xc3]), Buffer.from([0x80, 0x80])])])), false],
    ['overlong UTF-8', mapStrings(t, (s) => Buffer.concat([Buffer.from(s), rnd.pick([Buffer.from([0xc0, 0xae]), Buffer.from([0xe0, 0x80, 0xaf]), Buffer.from([0xf0, 0x80, 0x80, 0xaf]), Buffer.from([0xc1, 0xbf])])])), false],
    ['raw surrogate bytes (CESU-8)', mapStrings(t, (s) => Buffer.concat([Buffer.from(s), Buffer.from([0xed, 0xa0, 0x80])])), false],
    ['lone surrogates escaped', mapStrings(t, (s) => Buffer.from(`${s}${rnd.pick(['\\ud800', '\\udfff', '\\ud800\\u0041', '\\udc00\\ud800', '\\uDBFF'])}`)), false],
    ['control characters', mapStrings(t, (s) => Buffer.from(`${s}\\u0007\\u001b[31m\\r\\n`)), false],
    ['random bytes', rnd.bytes(1 + rnd.int(300)), true],
    ['duplicate keys', text.length > 2 ? `${text.slice(0, -1)},${text.slice(1)}` : '{"a":1,"a":2}', false],
    ['many keys', `{${Array.from({ length: 3000 }, (_, i) => `"k${i}":${i}`).join(',')}}`, false],
    ['huge number', withField(t, rnd.pick(Object.keys(t).concat('year')), '1'.repeat(5000)), false],
  ];
}

/** A token the route's auth accepts (a registered user's), or none for public routes. */
function tokenFor(route, real) {
  if (!needsAuth(route)) return rnd.pick([undefined, fx.owner.accessToken, fx.guest.token]);
  return real ? fx.owner.accessToken : rnd.pick([fx.owner.accessToken, fx.stranger.accessToken]);
}

function realParam(name, route) {
  // The live stream of a room anyone may follow never ends: a room that hides its queue answers at once.
  if (name === 'code' && route.pattern === '/rooms/:code/events') return fx.hiddenCode;
  switch (name) {
    // A room of its own for the routes that end or hand over a room, so the others keep theirs.
    case 'code': if (/\/(close|host|leave)$/.test(route.pattern)) return fx.lifeCode;
      return rnd.bool() ? fx.code : fx.code.toLowerCase();
    case 'entryId': return String(fx.entryId);
    case 'memberId': return fx.guestMember.id;
    case 'position': return rnd.pick(['0', '1']);
    case 'playlistId': return fx.playlistId;
    case 'jobId': return fx.jobId;
    case 'id':
      if (route.pattern.startsWith('/albums')) return fx.albumId;
      if (route.pattern.startsWith('/songs')) return fx.songId;
      if (route.pattern.startsWith('/playlists')) return fx.playlistId;
      return fx.songId;
    default: return rnd.pick([fx.songId, fx.albumId, fx.playlistId, fx.code, fx.owner.id]);
  }
}

const garbageParam = () => rnd.pick(GARBAGE_PARAMS);

function badTokens() {
  const env = stackEnv();
  const now = Math.floor(Date.now() / 1000);
  const u = fx.owner;
  return [
    ['garbage', 'Bearer garbage'],
    ['alg none', `Bearer ${algNone(u.accessToken)}`],
    ['alg none, no dot', `Bearer ${algNone(u.accessToken).slice(0, -1)}`],
    ['bad signature', `Bearer ${badSignature(u.accessToken)}`],
    ['expired', `Bearer ${signJwt({ id: u.id, username: u.username, typ: 'access', iat: now - 4000, exp: now - 60 }, env.ACCESS_TOKEN_KEY)}`],
    ['expiry as a string', `Bearer ${signJwt({ id: u.id, typ: 'access', iat: now, exp: String(now + 600) }, env.ACCESS_TOKEN_KEY)}`],
    ['no id', `Bearer ${signJwt({ typ: 'access', iat: now, exp: now + 600 }, env.ACCESS_TOKEN_KEY)}`],
    ['id of 5000 chars', `Bearer ${signJwt({ id: `user-${'x'.repeat(5000)}`, typ: 'access', iat: now, exp: now + 600 }, env.ACCESS_TOKEN_KEY)}`],
    ['refresh token as bearer', `Bearer ${u.refreshToken}`],
    ['signed with the refresh key', `Bearer ${signJwt({ id: u.id, typ: 'access', iat: now, exp: now + 600 }, env.REFRESH_TOKEN_KEY)}`],
    ['alg HS512 label', `Bearer ${signJwt({ id: u.id, typ: 'access', iat: now, exp: now + 600 }, env.ACCESS_TOKEN_KEY, { alg: 'HS512' })}`],
    ['claims not JSON', `Bearer ${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('not json').toString('base64url')}.AAAA`],
    ['four parts', `Bearer ${u.accessToken}.extra`],
    ['empty bearer', 'Bearer '],
    ['lower-case scheme', `bearer ${u.accessToken.slice(0, 20)}`],
    ['Basic', 'Basic dXNlcjpwYXNz'],
    ['8 KB of base64', `Bearer ${'A'.repeat(3000)}.${'B'.repeat(3000)}.${'C'.repeat(1500)}`],
  ];
}

// ------------------------------------------------------------------ fixtures

test.before(async () => {
  const owner = await newUserPatiently(newUser);
  const stranger = await newUserPatiently(newUser);
  const collaborator = await newUserPatiently(newUser);
  const throwaway = await newUserPatiently(newUser);
  const guest = await newGuest('hostile guest');
  const guestMember = await newGuest('hostile member');
  const albumId = await newAlbum({ name: 'Hostile target' }, owner);
  const songId = await newSong({ albumId, duration: 200 }, owner);
  const songId2 = await newSong({ duration: 200 }, owner);
  const songId3 = await newSong({ duration: 200 }, owner);
  const playlistId = await newPlaylist(owner);
  await addPlaylistSong(owner, playlistId, songId);
  await addCollaborator(owner, playlistId, collaborator.id);
  const room = await newRoom(owner);
  const { entry } = await addEntry(room.code, owner, songId);
  await addEntry(room.code, guestMember, songId3);
  const jobId = assertOk(await api('POST', `/export/playlists/${playlistId}`, { token: owner.accessToken, body: { targetEmail: 'hostile@example.com' } }), 201).jobId;
  assertOk(await api('POST', '/me/queue/tracks', { token: owner.accessToken, body: { songIds: [songId, songId2, songId3] } }));
  const lifeCode = (await newRoom(owner)).code;
  await addEntry(lifeCode, guestMember, songId);
  fx = { lifeCode, owner, stranger, collaborator, throwaway, guest, guestMember, albumId, songId, songId2, songId3, playlistId, code: room.code, entryId: entry.id, jobId };
  const hider = await newGuest('hostile hider');
  fx.hiddenCode = (await newRoom(hider)).code;
  assertOk(await api('PATCH', `/rooms/${fx.hiddenCode}`, { token: hider.token, body: { pin: '1357', hideQueue: true } }));
  before = { pids: workerPids(), log: logMark(), nginx: logMark(`${DATA}/log/nginx-error.log`) };
  assert.ok(before.pids.workers.length > 0, 'the worker pool runs');
});

// ------------------------------------------------------------------ the cases

test('the route table was read from router.c', () => {
  assert.ok(routes.length >= 40, `only ${routes.length} routes parsed`);
  for (const r of routes) assert.match(r.pattern, /^\//);
  assert.ok(routes.some((r) => r.key === 'POST /albums/:id/covers' && r.flags.has('ROUTE_STREAM')));
});

test('every route, real and garbage parameters: hostile bodies, wrong types for every field, content types, bad tokens', async () => {
  const cases = [];
  for (const route of routes) {
    const json = route.flags.has('ROUTE_JSON');
    const bodies = hostileBodies(route);
    const n = json ? 3 : 1;
    for (let i = 0; i < n; i++) {
      const [kind, body, broken] = bodies.splice(rnd.int(bodies.length), 1)[0];
      const real = i !== 1; // real parameters, then garbage ones, then real again
      const token = tokenFor(route, true);
      const target = fillPath(route, real ? realParam : garbageParam);
      // A syntactically broken body on a JSON route is 400 once a user's token has passed.
      const expect = json && broken && (!needsAuth(route) || token === fx.owner.accessToken) ? 400 : undefined;
      cases.push({ route, method: route.method, target, body, note: kind, expect,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(rnd.bool() ? { 'content-type': 'application/json' } : {}) } });
    }
    // wrong types, one field at a time, every field of the route's body
    const t = template(route);
    for (const field of Object.keys(t)) {
      cases.push({ route, method: route.method, target: fillPath(route, realParam), body: withField(t, field, rnd.pick(WRONG())),
        note: `wrong type for ${field}`, headers: { authorization: `Bearer ${tokenFor(route, true)}`, 'content-type': 'application/json' } });
    }
    // an array or a scalar where the object goes, and the right body with garbage parameters
    if (json) {
      cases.push({ route, method: route.method, target: fillPath(route, garbageParam), body: JSON.stringify(t),
        note: 'valid body, garbage parameters', headers: { authorization: `Bearer ${fx.owner.accessToken}`, 'content-type': 'application/json' } });
    }
    // content types: a JSON route refuses anything but application/json (or none) with 415
    const ct = rnd.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx',
      'application/json-patch+json', 'text/json', 'application/xml', '*/*', 'application/javascript', 'image/png']);
    cases.push({ route, method: route.method, target: fillPath(route, realParam), body: JSON.stringify(t), note: `content-type ${ct}`,
      expect: json && route.method !== 'GET' ? 415 : undefined,
      headers: { authorization: `Bearer ${fx.owner.accessToken}`, 'content-type': ct } });
    const odd = rnd.pick(['application/json; charset=latin1', 'APPLICATION/JSON', 'application/json ; x=y', 'application/json\t', '']);
    cases.push({ route, method: route.method, target: fillPath(route, realParam), body: JSON.stringify(t), note: `content-type ${JSON.stringify(odd)}`,
      headers: { authorization: `Bearer ${fx.owner.accessToken}`, 'content-type': odd } });
    // bad tokens: 401 wherever a token is needed, ignored elsewhere
    const toks = badTokens();
    for (let i = 0; i < 2; i++) {
      const [kind, auth] = toks.splice(rnd.int(toks.length), 1)[0];
      cases.push({ route, method: route.method, target: fillPath(route, realParam), body: json ? JSON.stringify(t) : undefined,
        note: `token: ${kind}`, expect: needsAuth(route) ? 401 : undefined,
        headers: { authorization: auth, ...(json ? { 'content-type': 'application/json' } : {}) } });
    }
  }
  // Changing state last (deletions, bans, advances), so the fixtures serve the other cases first.
  const late = (c) => c.method === 'DELETE' || /bans|advance|skip/.test(c.route.pattern);
  const ordered = [...cases.filter((c) => !late(c)), ...cases.filter(late)];
  for (const c of ordered) await send('routes', c);
});

test('every kind of broken JSON on the JSON routes, with a user\'s token: 400, never worse', async () => {
  const jsonRoutes = routes.filter((r) => r.flags.has('ROUTE_JSON') && r.method !== 'DELETE' && !/bans|advance|skip/.test(r.pattern));
  const kinds = hostileBodies(jsonRoutes[0]).map(([k]) => k);
  for (const kind of kinds) {
    const route = rnd.pick(jsonRoutes);
    const [, body, broken] = hostileBodies(route).find(([k]) => k === kind);
    await send('json', { method: route.method, target: fillPath(route, realParam), body, note: `${kind} on ${route.key}`,
      expect: broken ? 400 : undefined, headers: { authorization: `Bearer ${fx.owner.accessToken}`, 'content-type': 'application/json' } });
  }
});

test('oversize bodies: over 1 MiB is 413 everywhere; over a route\'s own limit is 413 from the router', async () => {
  const big = Buffer.alloc(1024 * 1024 + 4096, 0x20);
  big.write('{"name":"');
  for (const route of [...routes].sort(() => rnd.next() - 0.5).slice(0, 8)) {
    await send('oversize', { method: route.method, target: fillPath(route, realParam), body: big, note: '> 1 MiB', expect: 413,
      headers: { authorization: `Bearer ${fx.owner.accessToken}`, 'content-type': 'application/json' } });
  }
  // between the JSON limit (QUEUED_MAX_BODY, 64 KiB) and nginx's 1 MiB: the router's 413
  for (const route of routes.filter((r) => r.flags.has('ROUTE_JSON') && r.maxBody === '0').sort(() => rnd.next() - 0.5).slice(0, 6)) {
    const body = `{"name":${JSON.stringify('y'.repeat(300 * 1024))}}`;
    await send('oversize', { method: route.method, target: fillPath(route, realParam), body, note: '300 KB JSON', expect: 413,
      headers: { authorization: `Bearer ${fx.owner.accessToken}`, 'content-type': 'application/json' } });
  }
});

test('traversal and encoded separators over a raw socket: never another route, never a file, never 5xx', async () => {
  const victim = await newAlbum({ name: 'Traversal victim' }, fx.owner);
  const { code, songId, playlistId } = fx;
  const targets = [
    `/albums/${victim}/..`, `/albums/${victim}/../`, `/albums/${victim}/covers/..`, `/albums/${victim}/./`, `/albums/.`,
    `//albums/${victim}`, `/albums//${victim}`, `/albums/${victim}//`, `/albums%2f${victim}`, `/albums%2F${victim}`,
    `/albums/${victim}%2fcovers`, `/albums/${victim}/covers/%2e%2e`, `/albums/%2e%2e/${victim}`, `/%2e%2e/albums/${victim}`,
    `/albums/${victim}%5c..%5c`, `/albums\\${victim}`, `/songs/${songId}/..%2f..%2fplaylists`, `/%252e%252e/songs`,
    `/songs/%c0%ae%c0%ae/`, `/rooms/${code}/queue/..`, `/rooms/${code}/../../songs`, `/rooms/${code}/queue%00.json`,
    `/rooms/${code}/queue/%00`, `/../../../../etc/passwd`, `/..%2f..%2f..%2fetc%2fpasswd`, `/uploads/../queued.env`,
    `/uploads/..%2fqueued.env`, `/uploads/%2e%2e/queued.env`, `/static/../dev`, `/playlists/${playlistId}/songs/..`,
    `/me/queue/./tracks`, `/me//queue`, `/_errors/../songs`, `/pub/rooms/${code}`, `/_sub/users/${fx.owner.id}`,
    `/rooms/${code}/events/..`, `/index.html/..`, `/songs?x=/../../etc/passwd`, `/songs#/../x`, `http://evil.example/songs`,
    `*`, `/songs/%`, `/songs/%zz`, `/songs/%2`,
  ];
  for (const target of targets) {
    const method = rnd.pick(['GET', 'DELETE', 'POST', 'PUT']);
    const body = method === 'GET' || method === 'DELETE' ? undefined : '{}';
    await send('traversal', { method, target, body, headers: { authorization: `Bearer ${fx.owner.accessToken}`, ...(body ? { 'content-type': 'application/json' } : {}) } });
  }
  // the album is still there
  assert.equal(assertOk(await api('GET', `/albums/${victim}`)).album.name, 'Traversal victim');
});

test('odd methods, HTTP versions, long paths and query strings', async () => {
  const methods = ['OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND', 'MKCOL', 'LOCK', 'FOO', 'get', 'Get', 'M-SEARCH', 'A'.repeat(100), 'PATCH', 'HEAD', 'PUT'];
  for (const method of methods) {
    const route = rnd.pick(routes);
    await send('methods', { method, target: fillPath(route, realParam), headers: { authorization: `Bearer ${fx.owner.accessToken}` } });
  }
  for (const route of routes.filter((r) => r.method === 'GET').slice(0, 6)) {
    await send('methods', { method: 'HEAD', target: fillPath(route, realParam), headers: { authorization: `Bearer ${fx.owner.accessToken}` } });
  }
  // An unsupported major version is nginx's 505 (the one 5xx that is the right answer), in the JSON shape.
  for (const version of ['HTTP/1.0', 'HTTP/0.9', 'HTTP/2.0', 'HTTP/1.9', 'HTTP/9.9']) {
    const major = Number(version[5]);
    await send('methods', { method: 'GET', target: '/songs', version, note: version,
      expect: major >= 2 ? 505 : undefined, allow5xx: major >= 2 ? [505] : undefined });
  }
  const queries = [
    `/songs?title=${'a'.repeat(6000)}`, `/songs?title=${'a'.repeat(20000)}`, `/songs?${Array.from({ length: 1500 }, (_, i) => `p${i}=1`).join('&')}`,
    '/songs?title=%ff%fe', '/songs?title=%00', '/songs?title=%25', "/songs?performer=%27%20OR%201=1--", '/songs?title=%c0%ae',
    '/songs?title=%ed%a0%80', '/songs?title=\\', '/songs?title=_%25_', '/songs?title&performer', '/songs?title=a&title=b',
    `/youtube/search?q=${'x'.repeat(5000)}`, '/youtube/search?q=%00', '/me/queue/events?ticket=../../', `/me/queue/events?ticket=${'A'.repeat(5000)}`,
    `/me/queue/events?ticket=${fx.owner.accessToken}`, `/rooms/${fx.code}/queue?${'x'.repeat(7000)}`, `/albums/${'A'.repeat(9000)}`,
    `/rooms/${'Z'.repeat(20000)}`,
  ];
  for (const target of queries) await send('queries', { method: 'GET', target, headers: { authorization: `Bearer ${fx.owner.accessToken}` } });
});

test('odd headers: preconditions, ranges, encodings, duplicated and oversized fields', async () => {
  const odd = [
    { 'if-match': '"abc"' }, { 'if-match': '"-1"' }, { 'if-match': '"99999999999999999999999"' }, { 'if-match': '*' }, { 'if-match': 'W/"0", "1"' },
    { 'if-none-match': '"-1"' }, { 'if-none-match': '*' }, { 'if-none-match': `"${'9'.repeat(500)}"` }, { 'if-none-match': 'W/' },
    { range: 'bytes=0-0' }, { range: 'bytes=-1,0-,5-2' }, { 'accept-encoding': 'gzip, br, zstd' }, { 'x-forwarded-for': '1.2.3.4, ::1' },
    { 'content-length': '0' }, { expect: '100-continue' }, { cookie: 'a='.repeat(1000) }, { authorization: `Bearer ${'x'.repeat(20000)}` },
    { 'x-accel-redirect': '/_sub/users/user-x' }, { 'x-http-method-override': 'DELETE' }, { host: 'evil.example' }, { host: '' },
  ];
  for (const h of odd) {
    const route = rnd.pick(routes.filter((r) => !(r.method === 'DELETE' || /bans|advance|skip/.test(r.pattern))));
    const json = route.flags.has('ROUTE_JSON');
    const headers = { authorization: `Bearer ${fx.owner.accessToken}`, ...(json ? { 'content-type': 'application/json' } : {}), ...h };
    const body = json && !('content-length' in h) ? JSON.stringify(template(route)) : undefined;
    await send('headers', { method: route.method, target: fillPath(route, realParam), body, headers, note: Object.keys(h).join(',') });
  }
});

test('multipart abuse on POST /albums/{id}/covers', async () => {
  // An album of its own: the route cases may have deleted the shared one.
  const path = `/albums/${await newAlbum({ name: 'Cover target' }, fx.owner)}/covers`;
  const auth = { authorization: `Bearer ${fx.owner.accessToken}` };
  const part = (name, data, { filename = 'c.png', type = 'image/png', extra = '' } = {}) => Buffer.concat([
    Buffer.from(`Content-Disposition: form-data; name="${name}"${filename === null ? '' : `; filename="${filename}"`}\r\nContent-Type: ${type}\r\n${extra}\r\n`),
    data]);
  const form = (boundary, parts, { close = true } = {}) => Buffer.concat([
    ...parts.map((p) => Buffer.concat([Buffer.from(`--${boundary}\r\n`), p, Buffer.from('\r\n')])),
    Buffer.from(close ? `--${boundary}--\r\n` : '')]);
  const ok = form('b0undary', [part('cover', PNG)]);
  const cases = [
    ['no content type', ok, {}, 415],
    ['no boundary', ok, { 'content-type': 'multipart/form-data' }, 415],
    ['empty boundary', ok, { 'content-type': 'multipart/form-data; boundary=' }, 415],
    ['boundary of 200 chars', form('x'.repeat(200), [part('cover', PNG)]), { 'content-type': `multipart/form-data; boundary=${'x'.repeat(200)}` }],
    ['quoted boundary', ok, { 'content-type': 'multipart/form-data; boundary="b0undary"' }],
    ['wrong boundary', ok, { 'content-type': 'multipart/form-data; boundary=other' }, 400],
    ['unterminated', form('b0undary', [part('cover', PNG)], { close: false }), { 'content-type': 'multipart/form-data; boundary=b0undary' }, 400],
    ['cut in the part headers', Buffer.from('--b0undary\r\nContent-Disposition: form-da'), { 'content-type': 'multipart/form-data; boundary=b0undary' }, 400],
    ['huge part header (100 KB)', form('b0undary', [part('cover', PNG, { extra: `X-Pad: ${'p'.repeat(100 * 1024)}\r\n` })]), { 'content-type': 'multipart/form-data; boundary=b0undary' }],
    ['1000 part headers', form('b0undary', [part('cover', PNG, { extra: 'X-A: b\r\n'.repeat(1000) })]), { 'content-type': 'multipart/form-data; boundary=b0undary' }],
    ['2 MB part', form('b0undary', [part('cover', Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024, 7)]))]), { 'content-type': 'multipart/form-data; boundary=b0undary' }, 413],
    ['900 KB part (over the cover limit, under nginx\'s)', form('b0undary', [part('cover', Buffer.concat([PNG, Buffer.alloc(900 * 1024, 7)]))]), { 'content-type': 'multipart/form-data; boundary=b0undary' }, 413],
    ['2000 parts, none a cover', form('b0undary', Array.from({ length: 2000 }, (_, i) => part(`f${i}`, Buffer.from('x'), { filename: null, type: 'text/plain' }))), { 'content-type': 'multipart/form-data; boundary=b0undary' }, 400],
    ['300 cover parts', form('b0undary', Array.from({ length: 300 }, () => part('cover', PNG))), { 'content-type': 'multipart/form-data; boundary=b0undary' }],
    ['no Content-Disposition', Buffer.from(`--b0undary\r\nContent-Type: image/png\r\n\r\n${PNG.toString('latin1')}\r\n--b0undary--\r\n`, 'latin1'), { 'content-type': 'multipart/form-data; boundary=b0undary' }, 400],
    ['no name', form('b0undary', [Buffer.concat([Buffer.from('Content-Disposition: form-data; filename="c.png"\r\n\r\n'), PNG])]), { 'content-type': 'multipart/form-data; boundary=b0undary' }, 400],
    ['traversal filename', form('b0undary', [part('cover', PNG, { filename: '../../../../tmp/evil.png' })]), { 'content-type': 'multipart/form-data; boundary=b0undary' }],
    ['NUL in filename', form('b0undary', [part('cover', PNG, { filename: 'a\u0000.png' })]), { 'content-type': 'multipart/form-data; boundary=b0undary' }],
    ['not an image', form('b0undary', [part('cover', Buffer.from('<?php echo 1; ?>'), { type: 'image/png' })]), { 'content-type': 'multipart/form-data; boundary=b0undary' }, 400],
    ['SVG', form('b0undary', [part('cover', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), { type: 'image/svg+xml' })]), { 'content-type': 'multipart/form-data; boundary=b0undary' }, 400],
    ['LF only', Buffer.from(`--b0undary\nContent-Disposition: form-data; name="cover"; filename="c.png"\n\n${PNG.toString('latin1')}\n--b0undary--\n`, 'latin1'), { 'content-type': 'multipart/form-data; boundary=b0undary' }],
    ['nested multipart/mixed', form('b0undary', [Buffer.concat([Buffer.from('Content-Disposition: form-data; name="cover"\r\nContent-Type: multipart/mixed; boundary=inner\r\n\r\n'), form('inner', [part('cover', PNG)])])]), { 'content-type': 'multipart/form-data; boundary=b0undary' }],
    ['random bytes', rnd.bytes(4096), { 'content-type': 'multipart/form-data; boundary=b0undary' }, 400],
    ['boundary inside the data', form('b0undary', [part('cover', Buffer.concat([PNG, Buffer.from('\r\n--b0undar')]))]), { 'content-type': 'multipart/form-data; boundary=b0undary' }],
    ['empty body', Buffer.alloc(0), { 'content-type': 'multipart/form-data; boundary=b0undary' }, 400],
    ['chunked', ok, { 'content-type': 'multipart/form-data; boundary=b0undary', 'transfer-encoding': 'chunked', 'content-length': null }, 400],
  ];
  for (const [note, body, headers, expect] of cases) {
    let b = body;
    if (headers['transfer-encoding'] === 'chunked') b = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
    const res = await send('multipart', { method: 'POST', target: path, body: b, note, expect: expect === 400 && note === 'chunked' ? undefined : expect, headers: { ...auth, ...headers } });
    if (res?.status === 201) assert.doesNotMatch(res.json.data.coverUrl, /\.\.|evil|%00/, note);
  }
  // the right body still works after all that
  await send('multipart', { method: 'POST', target: path, body: ok, note: 'a good cover', expect: 201, headers: { ...auth, 'content-type': 'multipart/form-data; boundary=b0undary' } });
});

test('a few hundred requests were sent; none was answered 5xx or outside the error shape', () => {
  console.log(`# hostile.test.mjs: ${sent} requests (${Object.entries(perSection).map(([k, v]) => `${k} ${v}`).join(', ')}), ${routes.length} routes, seed ${SEED}; statuses ${JSON.stringify(statuses)}`);
  assert.ok(sent >= 300, `only ${sent} requests`);
  assert.deepEqual(problems, [], `seed ${SEED}: ${problems.length} bad answers:\n${problems.join('\n')}`);
});

test('no worker died, no sanitizer report, and the stack still answers normally', async () => {
  const after = workerPids();
  assert.equal(after.master, before.pids.master, 'the master is the same process');
  assert.deepEqual(after.workers, before.pids.workers, 'the same worker processes (none died and was replaced)');
  assert.deepEqual(before.log.newLines(), [], 'crash or sanitizer lines in queued.log');
  assert.deepEqual(before.nginx.newLines(NGINX_CRASH), [], 'nginx worker crashes');
  assertOk(await api('GET', '/songs'));
  assertOk(await api('POST', '/guests', { body: { name: 'after the storm' } }), 201);
  const q = await api('GET', `/rooms/${fx.code}/queue`);
  assert.equal(q.status, 200, q.text);
  assert.equal(q.headers.get('content-type'), JSON_TYPE);
  assertOk(await api('GET', '/users/me', { token: fx.owner.accessToken }));
});
