// catalog.test.mjs: the OpenMusic v3 catalog: albums, songs, users, authentications, album likes.
// OpenMusic's contract lets anyone write the catalog: these run with the
// workers in that mode (CATALOG_WRITES=open); catalog_auth.test.mjs checks
// the default, where writes need a registered user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertOk, assertFail, songIds, restartWorkers } from './lib.mjs';

before(() => restartWorkers({ CATALOG_WRITES: 'open' }));
after(() => restartWorkers());
import {
  uid, newUser, newAlbum, newSong, assertMessage, assertKeys, assertIso, JWT, jwtClaims,
  forgePayload, badSignature, algNone, badAuthHeaders,
} from './catalog_lib.mjs';

const SONG_KEYS = ['id', 'title', 'year', 'performer', 'genre', 'duration', 'albumId', 'insertedAt', 'updatedAt'];
const validSong = () => ({ title: `Song ${uid()}`, year: 2008, genre: 'Indie', performer: `Band ${uid()}`, duration: 200 });

/** Bodies that are not a JSON object at all. */
const NOT_OBJECTS = ['{', 'nope', '[]', 'null', '"x"', '1', ''];

// ---------------------------------------------------------------- albums

test('POST /albums creates an album; GET shows exactly id, name, year, coverUrl null, songs []', async () => {
  const name = `Viva ${uid()}`;
  const res = await api('POST', '/albums', { body: { name, year: 2008 } });
  const { albumId } = assertOk(res, 201);
  assert.equal(typeof albumId, 'string');
  assert.match(albumId, /^album-./);
  const album = assertOk(await api('GET', `/albums/${albumId}`)).album;
  assert.deepEqual(album, { id: albumId, name, year: 2008, coverUrl: null, songs: [] });
  assert.ok(Number.isInteger(album.year));
});

test('two albums get different ids', async () => {
  const a = await newAlbum();
  const b = await newAlbum();
  assert.notEqual(a, b);
});

test('songs created with an albumId are listed in the album, each exactly id, title, performer', async () => {
  const albumId = await newAlbum();
  const other = await newAlbum();
  const s1 = await newSong({ albumId, title: `First ${uid()}`, performer: 'P One' });
  const s2 = await newSong({ albumId, title: `Second ${uid()}`, performer: 'P Two', duration: 90 });
  await newSong({ albumId: other });
  await newSong();
  const album = assertOk(await api('GET', `/albums/${albumId}`)).album;
  assertKeys(album, ['id', 'name', 'year', 'coverUrl', 'songs']);
  assert.ok(Array.isArray(album.songs));
  for (const s of album.songs) assertKeys(s, ['id', 'title', 'performer']);
  assert.deepEqual(album.songs.map((s) => s.id).sort(), [s1, s2].sort());
  const first = album.songs.find((s) => s.id === s1);
  assert.equal(first.performer, 'P One');
  assert.match(first.title, /^First /);
});

test('PUT /albums/{id} changes name and year, answers 200 with a message', async () => {
  const albumId = await newAlbum({ name: 'Before', year: 1999 });
  const name = `After ${uid()}`;
  assertMessage(await api('PUT', `/albums/${albumId}`, { body: { name, year: 2001 } }));
  const album = assertOk(await api('GET', `/albums/${albumId}`)).album;
  assert.equal(album.name, name);
  assert.equal(album.year, 2001);
  assert.equal(album.id, albumId);
});

test('PUT /albums on an unknown id is 404', async () => {
  for (const id of ['xxx', 'album-xxx']) {
    assertFail(await api('PUT', `/albums/${id}`, { body: { name: 'x', year: 2000 } }), 404);
  }
});

test('GET /albums on an unknown id is 404', async () => {
  for (const id of ['xxx', 'album-xxx', 'song-xxx']) assertFail(await api('GET', `/albums/${id}`), 404);
});

test('DELETE /albums/{id}: 200 with a message, then 404 for GET, PUT and a second DELETE', async () => {
  const albumId = await newAlbum();
  assertMessage(await api('DELETE', `/albums/${albumId}`));
  assertFail(await api('GET', `/albums/${albumId}`), 404);
  assertFail(await api('DELETE', `/albums/${albumId}`), 404);
  assertFail(await api('PUT', `/albums/${albumId}`, { body: { name: 'x', year: 2000 } }), 404);
});

test('DELETE /albums on an unknown id is 404', async () => {
  for (const id of ['xxx', 'album-xxx']) assertFail(await api('DELETE', `/albums/${id}`), 404);
});

test('songs of a deleted album stay, with albumId null', async () => {
  const albumId = await newAlbum();
  const songId = await newSong({ albumId });
  assert.equal(assertOk(await api('GET', `/songs/${songId}`)).song.albumId, albumId);
  assertMessage(await api('DELETE', `/albums/${albumId}`));
  const song = assertOk(await api('GET', `/songs/${songId}`)).song;
  assert.equal(song.id, songId);
  assert.equal(song.albumId, null);
  assert.ok(assertOk(await api('GET', '/songs')).songs.some((s) => s.id === songId));
});

const BAD_ALBUMS = [
  ['empty object', {}],
  ['missing name', { year: 2000 }],
  ['missing year', { name: 'x' }],
  ['year as "dummy"', { name: 'x', year: 'dummy' }],
  ['year as numeric string', { name: 'x', year: '2000' }],
  ['year as boolean', { name: 'x', year: true }],
  ['year null', { name: 'x', year: null }],
  ['year as object', { name: 'x', year: {} }],
  ['year not an integer', { name: 'x', year: 2000.5 }],
  ['name as number', { name: 123, year: 2000 }],
  ['name as boolean', { name: true, year: 2000 }],
  ['name null', { name: null, year: 2000 }],
  ['name as object', { name: { a: 1 }, year: 2000 }],
  ['name as array', { name: ['x'], year: 2000 }],
  ['name empty', { name: '', year: 2000 }],
];

test('POST /albums with a wrong or missing field is 400', async () => {
  for (const [what, body] of BAD_ALBUMS) {
    const res = await api('POST', '/albums', { body });
    assert.equal(res.status, 400, `${what}: ${res.text}`);
    assertFail(res, 400);
  }
});

test('POST /albums with a body that is not a JSON object is 400', async () => {
  for (const body of NOT_OBJECTS) {
    const res = await api('POST', '/albums', { body });
    assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
    assertFail(res, 400);
  }
});

test('PUT /albums/{id} with a wrong or missing field is 400 and changes nothing', async () => {
  const name = `Keep ${uid()}`;
  const albumId = await newAlbum({ name, year: 1990 });
  for (const [what, body] of BAD_ALBUMS) {
    const res = await api('PUT', `/albums/${albumId}`, { body });
    assert.equal(res.status, 400, `${what}: ${res.text}`);
    assertFail(res, 400);
  }
  for (const body of NOT_OBJECTS) assertFail(await api('PUT', `/albums/${albumId}`, { body }), 400);
  const album = assertOk(await api('GET', `/albums/${albumId}`)).album;
  assert.equal(album.name, name);
  assert.equal(album.year, 1990);
});

test('POST /albums with a non-JSON content type is 415', async () => {
  assertFail(await api('POST', '/albums', { body: '{"name":"x","year":2000}', headers: { 'content-type': 'text/plain' } }), 415);
});

// ---------------------------------------------------------------- songs

test('POST /songs without duration and album: GET shows exactly the song keys, duration and albumId null', async () => {
  const body = { title: `Lonely ${uid()}`, year: 2008, genre: 'Indie', performer: 'Coldplay' };
  const { songId } = assertOk(await api('POST', '/songs', { body }), 201);
  assert.equal(typeof songId, 'string');
  assert.match(songId, /^song-./);
  const song = assertOk(await api('GET', `/songs/${songId}`)).song;
  assertKeys(song, SONG_KEYS);
  assert.equal(song.id, songId);
  assert.equal(song.title, body.title);
  assert.equal(song.year, 2008);
  assert.ok(Number.isInteger(song.year));
  assert.equal(song.genre, 'Indie');
  assert.equal(song.performer, 'Coldplay');
  assert.equal(song.duration, null);
  assert.equal(song.albumId, null);
  assertIso(song.insertedAt);
  assertIso(song.updatedAt);
});

test('POST /songs with duration and albumId: GET shows them', async () => {
  const albumId = await newAlbum();
  const body = { ...validSong(), duration: 245, albumId };
  const songId = assertOk(await api('POST', '/songs', { body }), 201).songId;
  const song = assertOk(await api('GET', `/songs/${songId}`)).song;
  assertKeys(song, SONG_KEYS);
  assert.deepEqual(
    [song.title, song.year, song.genre, song.performer, song.duration, song.albumId],
    [body.title, body.year, body.genre, body.performer, 245, albumId],
  );
  assert.ok(Number.isInteger(song.duration));
});

test('POST /songs with an albumId that does not exist is 404', async () => {
  for (const albumId of ['album-xxx', 'xxx']) {
    assertFail(await api('POST', '/songs', { body: { ...validSong(), albumId } }), 404);
  }
});

test('GET /songs lists songs, each exactly id, title, performer, including a new one', async () => {
  const body = validSong();
  const songId = await newSong(body);
  const songs = assertOk(await api('GET', '/songs')).songs;
  assert.ok(Array.isArray(songs));
  assert.ok(songs.length >= 1);
  for (const s of songs) assertKeys(s, ['id', 'title', 'performer']);
  assert.deepEqual(songs.find((s) => s.id === songId), { id: songId, title: body.title, performer: body.performer });
});

test('GET /songs filters: ?title and ?performer are case-insensitive substrings, together AND', async () => {
  const tag = uid();
  const a = await newSong({ title: `Morning ${tag} Light`, performer: `Band ${tag}` });
  const b = await newSong({ title: `Evening ${tag} Dark`, performer: `Band ${tag}` });
  const c = await newSong({ title: `Morning ${tag} Rain`, performer: `Solo ${tag}` });
  const ids = async (q) => {
    const songs = assertOk(await api('GET', `/songs?${q}`)).songs;
    for (const s of songs) assertKeys(s, ['id', 'title', 'performer']);
    return songs.map((s) => s.id).sort();
  };
  const enc = encodeURIComponent;
  assert.deepEqual(await ids(`title=${enc(`MORNING ${tag.toUpperCase()}`)}`), [a, c].sort());
  assert.deepEqual(await ids(`performer=${enc(`band ${tag}`)}`), [a, b].sort());
  assert.deepEqual(await ids(`performer=${enc(`BAND ${tag.toUpperCase()}`)}`), [a, b].sort());
  assert.deepEqual(await ids(`title=${enc(`morning ${tag}`)}&performer=${enc(`BAND ${tag}`)}`), [a]);
  assert.deepEqual(await ids(`title=${enc(tag.toUpperCase())}`), [a, b, c].sort()); // substring in the middle
  assert.deepEqual(await ids(`title=${enc(`evening ${tag}`)}&performer=${enc(`solo ${tag}`)}`), []);
  assert.deepEqual(await ids(`title=${enc(`none-${tag}`)}`), []);
});

test('PUT /songs/{id} answers 200 with a message and GET shows every change', async () => {
  const oldAlbum = await newAlbum();
  const newAlbumId = await newAlbum();
  const songId = await newSong({ albumId: oldAlbum, duration: 100 });
  const before = assertOk(await api('GET', `/songs/${songId}`)).song;
  const body = { title: `Changed ${uid()}`, year: 1977, genre: 'Rock', performer: `Changed ${uid()}`, duration: 321, albumId: newAlbumId };
  assertMessage(await api('PUT', `/songs/${songId}`, { body }));
  const song = assertOk(await api('GET', `/songs/${songId}`)).song;
  assertKeys(song, SONG_KEYS);
  assert.deepEqual(
    [song.id, song.title, song.year, song.genre, song.performer, song.duration, song.albumId],
    [songId, body.title, 1977, 'Rock', body.performer, 321, newAlbumId],
  );
  assert.equal(song.insertedAt, before.insertedAt);
  assertIso(song.updatedAt);
  assert.ok(Date.parse(song.updatedAt) >= Date.parse(before.updatedAt));
  // The song moved between the albums.
  assert.deepEqual(assertOk(await api('GET', `/albums/${oldAlbum}`)).album.songs, []);
  assert.deepEqual(assertOk(await api('GET', `/albums/${newAlbumId}`)).album.songs,
    [{ id: songId, title: body.title, performer: body.performer }]);
  // The list shows the new title and performer.
  const listed = assertOk(await api('GET', `/songs?title=${encodeURIComponent(body.title)}`)).songs;
  assert.deepEqual(listed, [{ id: songId, title: body.title, performer: body.performer }]);
});

test('PUT /songs/{id} on an unknown id is 404', async () => {
  for (const id of ['xxx', 'song-xxx']) assertFail(await api('PUT', `/songs/${id}`, { body: validSong() }), 404);
});

test('PUT /songs/{id} with an albumId that does not exist is 404', async () => {
  const songId = await newSong();
  assertFail(await api('PUT', `/songs/${songId}`, { body: { ...validSong(), albumId: 'album-xxx' } }), 404);
  assert.equal(assertOk(await api('GET', `/songs/${songId}`)).song.albumId, null);
});

test('GET /songs/{id} on an unknown id is 404', async () => {
  for (const id of ['xxx', 'song-xxx', 'album-xxx']) assertFail(await api('GET', `/songs/${id}`), 404);
});

test('DELETE /songs/{id}: 200 with a message, then GET, PUT and DELETE are 404 and the list drops it', async () => {
  const songId = await newSong();
  assertMessage(await api('DELETE', `/songs/${songId}`));
  assertFail(await api('GET', `/songs/${songId}`), 404);
  assertFail(await api('PUT', `/songs/${songId}`, { body: validSong() }), 404);
  assertFail(await api('DELETE', `/songs/${songId}`), 404);
  assert.ok(!assertOk(await api('GET', '/songs')).songs.some((s) => s.id === songId));
});

test('DELETE /songs on an unknown id is 404', async () => {
  for (const id of ['xxx', 'song-xxx']) assertFail(await api('DELETE', `/songs/${id}`), 404);
});

test('a deleted song disappears from its album', async () => {
  const albumId = await newAlbum();
  const keep = await newSong({ albumId });
  const gone = await newSong({ albumId });
  assertMessage(await api('DELETE', `/songs/${gone}`));
  assert.deepEqual(assertOk(await api('GET', `/albums/${albumId}`)).album.songs.map((s) => s.id), [keep]);
});

function badSongs() {
  const v = validSong();
  const without = (k) => { const o = { ...v }; delete o[k]; return o; };
  return [
    ['empty object', {}],
    ['missing title', without('title')],
    ['missing year', without('year')],
    ['missing genre', without('genre')],
    ['missing performer', without('performer')],
    ['title as number', { ...v, title: 123 }],
    ['title as boolean', { ...v, title: true }],
    ['title null', { ...v, title: null }],
    ['title as object', { ...v, title: { t: 'x' } }],
    ['title as array', { ...v, title: ['x'] }],
    ['title empty', { ...v, title: '' }],
    ['year as "dummy"', { ...v, year: 'dummy' }],
    ['year as numeric string', { ...v, year: '2008' }],
    ['year as boolean', { ...v, year: false }],
    ['year null', { ...v, year: null }],
    ['year as object', { ...v, year: {} }],
    ['year not an integer', { ...v, year: 2008.5 }],
    ['genre as number', { ...v, genre: 1 }],
    ['genre as boolean', { ...v, genre: true }],
    ['genre null', { ...v, genre: null }],
    ['genre as object', { ...v, genre: {} }],
    ['genre empty', { ...v, genre: '' }],
    ['performer as boolean', { ...v, performer: true }],
    ['performer as number', { ...v, performer: 42 }],
    ['performer null', { ...v, performer: null }],
    ['performer as object', { ...v, performer: { name: 'x' } }],
    ['performer empty', { ...v, performer: '' }],
    ['duration as string', { ...v, duration: 'long' }],
    ['duration as numeric string', { ...v, duration: '120' }],
    ['duration as boolean', { ...v, duration: true }],
    ['duration as object', { ...v, duration: {} }],
    ['duration not an integer', { ...v, duration: 120.5 }],
    ['albumId as number', { ...v, albumId: 123 }],
    ['albumId as boolean', { ...v, albumId: true }],
    ['albumId as object', { ...v, albumId: {} }],
    ['albumId as array', { ...v, albumId: ['album-x'] }],
  ];
}

test('POST /songs with a wrong or missing field is 400', async () => {
  for (const [what, body] of badSongs()) {
    const res = await api('POST', '/songs', { body });
    assert.equal(res.status, 400, `${what}: ${res.text}`);
    assertFail(res, 400);
  }
});

test('POST /songs with a body that is not a JSON object is 400', async () => {
  for (const body of NOT_OBJECTS) {
    const res = await api('POST', '/songs', { body });
    assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
    assertFail(res, 400);
  }
});

test('PUT /songs/{id} with a wrong or missing field is 400 and changes nothing', async () => {
  const original = validSong();
  const songId = await newSong(original);
  for (const [what, body] of badSongs()) {
    const res = await api('PUT', `/songs/${songId}`, { body });
    assert.equal(res.status, 400, `${what}: ${res.text}`);
    assertFail(res, 400);
  }
  for (const body of NOT_OBJECTS) assertFail(await api('PUT', `/songs/${songId}`, { body }), 400);
  const song = assertOk(await api('GET', `/songs/${songId}`)).song;
  assert.deepEqual([song.title, song.year, song.genre, song.performer, song.duration],
    [original.title, original.year, original.genre, original.performer, original.duration]);
});

// ---------------------------------------------------------------- users

test('POST /users registers a user: 201 with a user- id', async () => {
  const body = { username: `u_${uid()}`, password: 'secret', fullname: 'Dicoding Indonesia' };
  const res = await api('POST', '/users', { body });
  const { userId } = assertOk(res, 201);
  assert.equal(typeof userId, 'string');
  assert.match(userId, /^user-./);
});

test('POST /users with a username that is taken is 400', async () => {
  const username = `u_${uid()}`;
  assertOk(await api('POST', '/users', { body: { username, password: 'one', fullname: 'One' } }), 201);
  assertFail(await api('POST', '/users', { body: { username, password: 'two', fullname: 'Two' } }), 400);
  // The first registration still logs in with its own password.
  assertOk(await api('POST', '/authentications', { body: { username, password: 'one' } }), 201);
  assertFail(await api('POST', '/authentications', { body: { username, password: 'two' } }), 401);
});

test('POST /users with a wrong or missing field is 400', async () => {
  const v = { username: `u_${uid()}`, password: 'secret', fullname: 'Full Name' };
  const without = (k) => { const o = { ...v }; delete o[k]; return o; };
  const cases = [['empty object', {}]];
  for (const k of ['username', 'password', 'fullname']) {
    cases.push([`missing ${k}`, without(k)]);
    for (const bad of [123, true, null, {}, ['x'], '']) cases.push([`${k} = ${JSON.stringify(bad)}`, { ...v, [k]: bad }]);
  }
  for (const [what, body] of cases) {
    const res = await api('POST', '/users', { body });
    assert.equal(res.status, 400, `${what}: ${res.text}`);
    assertFail(res, 400);
  }
  for (const body of NOT_OBJECTS) assertFail(await api('POST', '/users', { body }), 400);
  // None of those created the user.
  assertOk(await api('POST', '/users', { body: v }), 201);
});

// ---------------------------------------------------------------- authentications

test('POST /authentications returns an access and a refresh token, both JWTs', async () => {
  const username = `u_${uid()}`;
  assertOk(await api('POST', '/users', { body: { username, password: 'pw', fullname: 'F' } }), 201);
  const data = assertOk(await api('POST', '/authentications', { body: { username, password: 'pw' } }), 201);
  assertKeys(data, ['accessToken', 'refreshToken']);
  assert.match(data.accessToken, JWT);
  assert.match(data.refreshToken, JWT);
  assert.notEqual(data.accessToken, data.refreshToken);
  assert.equal(typeof jwtClaims(data.accessToken), 'object');
  assert.equal(typeof jwtClaims(data.refreshToken), 'object');
});

test('an access token works as Bearer on a protected endpoint', async () => {
  const u = await newUser();
  assert.deepEqual(assertOk(await api('GET', '/playlists', { token: u.accessToken })).playlists, []);
});

test('wrong password and unknown user are both 401 with the same message', async () => {
  const u = await newUser();
  const wrong = await api('POST', '/authentications', { body: { username: u.username, password: `${u.password}x` } });
  assertFail(wrong, 401);
  const unknown = await api('POST', '/authentications', { body: { username: `nobody_${uid()}`, password: u.password } });
  assertFail(unknown, 401);
  assert.equal(wrong.json.message, unknown.json.message);
});

test('POST /authentications with a wrong or missing field is 400', async () => {
  const u = await newUser();
  const cases = [
    ['empty object', {}],
    ['missing username', { password: u.password }],
    ['missing password', { username: u.username }],
    ['username as number', { username: 123, password: u.password }],
    ['username null', { username: null, password: u.password }],
    ['username as object', { username: { u: 1 }, password: u.password }],
    ['password as number', { username: u.username, password: 123 }],
    ['password as boolean', { username: u.username, password: true }],
    ['password as array', { username: u.username, password: [u.password] }],
  ];
  for (const [what, body] of cases) {
    const res = await api('POST', '/authentications', { body });
    assert.equal(res.status, 400, `${what}: ${res.text}`);
    assertFail(res, 400);
  }
  for (const body of NOT_OBJECTS) assertFail(await api('POST', '/authentications', { body }), 400);
});

test('PUT /authentications exchanges a refresh token for a usable access token', async () => {
  const u = await newUser();
  const data = assertOk(await api('PUT', '/authentications', { body: { refreshToken: u.refreshToken } }));
  assert.equal(typeof data.accessToken, 'string');
  assert.match(data.accessToken, JWT);
  assert.equal(assertOk(await api('POST', '/playlists', { token: data.accessToken, body: { name: 'via refresh' } }), 201).playlistId.startsWith('playlist-'), true);
  const mine = assertOk(await api('GET', '/playlists', { token: u.accessToken })).playlists;
  assert.equal(mine.length, 1);
  assert.equal(mine[0].username, u.username);
  // The refresh token stays valid for further refreshes.
  assertOk(await api('PUT', '/authentications', { body: { refreshToken: u.refreshToken } }));
});

test('DELETE /authentications revokes the refresh token: then PUT and DELETE with it are 400', async () => {
  const u = await newUser();
  assertMessage(await api('DELETE', '/authentications', { body: { refreshToken: u.refreshToken } }));
  assertFail(await api('PUT', '/authentications', { body: { refreshToken: u.refreshToken } }), 400);
  assertFail(await api('DELETE', '/authentications', { body: { refreshToken: u.refreshToken } }), 400);
});

test('logging out one session leaves another session of the same user working', async () => {
  const u = await newUser();
  const second = assertOk(await api('POST', '/authentications', { body: { username: u.username, password: u.password } }), 201);
  assertMessage(await api('DELETE', '/authentications', { body: { refreshToken: u.refreshToken } }));
  assertOk(await api('PUT', '/authentications', { body: { refreshToken: second.refreshToken } }));
});

for (const method of ['PUT', 'DELETE']) {
  test(`${method} /authentications with a missing or wrong-typed refreshToken is 400`, async () => {
    const u = await newUser();
    for (const body of [{}, { refreshToken: 123 }, { refreshToken: true }, { refreshToken: null }, { refreshToken: {} },
      { refreshToken: [u.refreshToken] }, { refreshToken: '' }, { token: u.refreshToken }]) {
      const res = await api(method, '/authentications', { body });
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
      assertFail(res, 400);
    }
    for (const body of NOT_OBJECTS) assertFail(await api(method, '/authentications', { body }), 400);
    // The real token was not touched by any of that.
    assertOk(await api('PUT', '/authentications', { body: { refreshToken: u.refreshToken } }));
  });

  test(`${method} /authentications with a garbage, forged, wrongly signed or access token is 400`, async () => {
    const u = await newUser();
    const other = await newUser();
    const bad = [
      ['garbage', 'garbage'],
      ['not.a.token', 'not.a.token'],
      ['access token', u.accessToken],
      ['bad signature', badSignature(u.refreshToken)],
      ['forged payload', forgePayload(u.refreshToken, (c) => ({ ...c, id: other.id }))],
      ['alg none', algNone(u.refreshToken)],
    ];
    for (const [what, refreshToken] of bad) {
      const res = await api(method, '/authentications', { body: { refreshToken } });
      assert.equal(res.status, 400, `${what}: ${res.text}`);
      assertFail(res, 400);
    }
    assertOk(await api('PUT', '/authentications', { body: { refreshToken: u.refreshToken } }));
  });
}

test('Bearer: a refresh token, a forged or re-signed token, or no "Bearer" scheme is 401', async () => {
  const u = await newUser();
  const other = await newUser();
  for (const [what, headers] of badAuthHeaders(u, other)) {
    const res = await api('GET', '/playlists', { headers });
    assert.equal(res.status, 401, `${what}: ${res.text}`);
    assertFail(res, 401);
  }
  assertFail(await api('GET', '/playlists'), 401);
  // The genuine token still works.
  assertOk(await api('GET', '/playlists', { token: u.accessToken }));
});

test('a refreshed access token for a user is not accepted as a refresh token', async () => {
  const u = await newUser();
  const { accessToken } = assertOk(await api('PUT', '/authentications', { body: { refreshToken: u.refreshToken } }));
  assertFail(await api('PUT', '/authentications', { body: { refreshToken: accessToken } }), 400);
});

test('a user access token works in rooms: the host and addedBy names are the fullname', async () => {
  const fullname = `Room Host ${uid()}`;
  const u = await newUser({ fullname });
  const room = assertOk(await api('POST', '/rooms', { token: u.accessToken, body: { name: 'Users too' } }), 201).room;
  assert.equal(room.host.name, fullname);
  const [songId] = await songIds();
  const added = assertOk(await api('POST', `/rooms/${room.code}/queue`, { token: u.accessToken, body: { songId } }), 201);
  assert.equal(added.entry.addedBy.name, fullname);
  assert.equal(added.entry.song.id, songId);
});

test('a user refresh token is refused in rooms', async () => {
  const u = await newUser();
  assertFail(await api('POST', '/rooms', { token: u.refreshToken, body: { name: 'nope' } }), 401);
});

// ---------------------------------------------------------------- album likes

test('POST /albums/{id}/likes: 201 with a message; GET /albums/{id}/likes counts it', async () => {
  const albumId = await newAlbum();
  const u = await newUser();
  assert.equal(assertOk(await api('GET', `/albums/${albumId}/likes`)).likes, 0);
  assertMessage(await api('POST', `/albums/${albumId}/likes`, { token: u.accessToken }), 201);
  const likes = assertOk(await api('GET', `/albums/${albumId}/likes`)).likes;
  assert.equal(likes, 1);
  assert.ok(Number.isInteger(likes));
});

test('likes from several users add up; an unlike takes one away', async () => {
  const albumId = await newAlbum();
  const users = await Promise.all([1, 2, 3].map(() => newUser()));
  for (const u of users) assertMessage(await api('POST', `/albums/${albumId}/likes`, { token: u.accessToken }), 201);
  assert.equal(assertOk(await api('GET', `/albums/${albumId}/likes`)).likes, 3);
  assertMessage(await api('DELETE', `/albums/${albumId}/likes`, { token: users[1].accessToken }));
  assert.equal(assertOk(await api('GET', `/albums/${albumId}/likes`)).likes, 2);
  // Another album is not affected.
  assert.equal(assertOk(await api('GET', `/albums/${await newAlbum()}/likes`)).likes, 0);
});

test('liking the same album twice is 400 and counts once', async () => {
  const albumId = await newAlbum();
  const u = await newUser();
  assertMessage(await api('POST', `/albums/${albumId}/likes`, { token: u.accessToken }), 201);
  assertFail(await api('POST', `/albums/${albumId}/likes`, { token: u.accessToken }), 400);
  assert.equal(assertOk(await api('GET', `/albums/${albumId}/likes`)).likes, 1);
});

test('a user can like again after unliking', async () => {
  const albumId = await newAlbum();
  const u = await newUser();
  assertMessage(await api('POST', `/albums/${albumId}/likes`, { token: u.accessToken }), 201);
  assertMessage(await api('DELETE', `/albums/${albumId}/likes`, { token: u.accessToken }));
  assertMessage(await api('POST', `/albums/${albumId}/likes`, { token: u.accessToken }), 201);
  assert.equal(assertOk(await api('GET', `/albums/${albumId}/likes`)).likes, 1);
});

test('likes on an unknown album are 404', async () => {
  const u = await newUser();
  for (const id of ['xxx', 'album-xxx']) {
    assertFail(await api('POST', `/albums/${id}/likes`, { token: u.accessToken }), 404);
    assertFail(await api('GET', `/albums/${id}/likes`), 404);
    assertFail(await api('DELETE', `/albums/${id}/likes`, { token: u.accessToken }), 404);
  }
});

test('likes of a deleted album are 404', async () => {
  const albumId = await newAlbum();
  const u = await newUser();
  assertMessage(await api('POST', `/albums/${albumId}/likes`, { token: u.accessToken }), 201);
  assertMessage(await api('DELETE', `/albums/${albumId}`));
  assertFail(await api('GET', `/albums/${albumId}/likes`), 404);
  assertFail(await api('POST', `/albums/${albumId}/likes`, { token: u.accessToken }), 404);
});

test('liking and unliking need a token: none or a bad one is 401 and nothing changes', async () => {
  const albumId = await newAlbum();
  const u = await newUser();
  const other = await newUser();
  assertFail(await api('POST', `/albums/${albumId}/likes`), 401);
  assertFail(await api('DELETE', `/albums/${albumId}/likes`), 401);
  for (const [what, headers] of badAuthHeaders(u, other)) {
    for (const method of ['POST', 'DELETE']) {
      const res = await api(method, `/albums/${albumId}/likes`, { headers });
      assert.equal(res.status, 401, `${method} ${what}: ${res.text}`);
      assertFail(res, 401);
    }
  }
  assert.equal(assertOk(await api('GET', `/albums/${albumId}/likes`)).likes, 0);
});

test('GET /albums/{id}/likes is cached: fresh after each change, from the cache on the repeat', async () => {
  const albumId = await newAlbum();
  const u = await newUser();
  assertMessage(await api('POST', `/albums/${albumId}/likes`, { token: u.accessToken }), 201);

  let r = await api('GET', `/albums/${albumId}/likes`);
  assert.equal(assertOk(r).likes, 1);
  assert.notEqual(r.headers.get('x-data-source'), 'cache', 'the first read after a like is fresh');
  r = await api('GET', `/albums/${albumId}/likes`);
  assert.equal(assertOk(r).likes, 1);
  assert.equal(r.headers.get('x-data-source'), 'cache', 'the repeat read comes from the cache');

  assertMessage(await api('DELETE', `/albums/${albumId}/likes`, { token: u.accessToken }));
  r = await api('GET', `/albums/${albumId}/likes`);
  assert.equal(assertOk(r).likes, 0);
  assert.notEqual(r.headers.get('x-data-source'), 'cache', 'the first read after an unlike is fresh');
  r = await api('GET', `/albums/${albumId}/likes`);
  assert.equal(assertOk(r).likes, 0);
  assert.equal(r.headers.get('x-data-source'), 'cache');
});

test('the likes cache of one album is not shared with another', async () => {
  const a = await newAlbum();
  const b = await newAlbum();
  const u = await newUser();
  assertMessage(await api('POST', `/albums/${a}/likes`, { token: u.accessToken }), 201);
  assert.equal(assertOk(await api('GET', `/albums/${a}/likes`)).likes, 1);
  assert.equal(assertOk(await api('GET', `/albums/${a}/likes`)).likes, 1);
  assert.equal(assertOk(await api('GET', `/albums/${b}/likes`)).likes, 0);
  assert.equal(assertOk(await api('GET', `/albums/${b}/likes`)).likes, 0);
});
