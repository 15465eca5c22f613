// openapi_calls.mjs: a representative call of every route of the route table,
// with at least one success and one refusal each, for openapi.test.mjs to
// check against docs/openapi.json. Each call is recorded under its route key
// ("METHOD /pattern", as hostile_lib.mjs's parseRoutes names it).
import http from 'node:http';
import { api, assertOk, newGuest, newRoom, addEntry, songIds, catalogAdminToken, restartWorkers, BASE } from './lib.mjs';
import { newUser } from './catalog_lib.mjs';

/** A small PNG (1x1), enough for the cover upload's content sniffing. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** A request whose answer may be a stream: resolved at the headers for a stream. */
function rawCall(method, path, { token, body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const h = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload;
    if (body !== undefined) {
      payload = Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body);
      if (!('content-type' in h)) h['content-type'] = 'application/json';
      h['content-length'] = Buffer.byteLength(payload);
    }
    const req = http.request(BASE + path, { method, headers: h, agent: false }, (res) => {
      const type = res.headers['content-type'] || '';
      if (/event-stream/.test(type)) {
        resolve({ status: res.statusCode, headers: res.headers, text: '', json: undefined });
        req.destroy();
        return;
      }
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.setTimeout(10000, () => req.destroy(new Error(`${method} ${path}: no answer`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A multipart/form-data body with one file field. */
function multipart(field, filename, type, bytes) {
  const boundary = `----queued${Date.now()}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;
  return { body: Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]), type: `multipart/form-data; boundary=${boundary}` };
}

/** A stand-in for the YouTube Data API (the workers restarted against it). */
async function youtubeStandIn() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    res.writeHead(200, { 'content-type': 'application/json' });
    if (url.pathname === '/v3/search') {
      res.end(JSON.stringify({ items: [{ id: { kind: 'youtube#video', videoId: 'dQw4w9WgXcQ' }, snippet: { title: 'Never Gonna Give You Up', channelTitle: 'Rick Astley' } }] }));
    } else {
      res.end(JSON.stringify({ items: [{ id: 'dQw4w9WgXcQ', contentDetails: { duration: 'PT3M33S' } }] }));
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

/**
 * Runs the calls; returns [{key, method, path, status, headers, json, text}].
 * youtube: also answer GET /youtube/search from a stand-in (restarts the workers twice).
 */
export async function exerciseRoutes({ youtube = true } = {}) {
  const out = [];
  const call = async (key, method, path, opts) => {
    const res = await rawCall(method, path, opts);
    out.push({ key, method, path, ...res });
    return res;
  };
  const admin = await catalogAdminToken();
  const guest = await newGuest('Guest');
  const other = await newGuest('Other');
  const user = await newUser();
  const friend = await newUser();
  const songs = await songIds();

  // Identities.
  await call('POST /guests', 'POST', '/guests', { body: { name: 'Ada' } });
  await call('POST /guests', 'POST', '/guests', { body: { name: '' } });
  const creds = { username: `oa_${Date.now()}`, password: 'a-password', fullname: 'Open Api' };
  await call('POST /users', 'POST', '/users', { body: creds });
  await call('POST /users', 'POST', '/users', { body: creds });
  await call('GET /users/me', 'GET', '/users/me', { token: user.accessToken });
  await call('GET /users/me', 'GET', '/users/me', { token: guest.token });
  const login = await call('POST /authentications', 'POST', '/authentications', { body: { username: creds.username, password: creds.password } });
  await call('POST /authentications', 'POST', '/authentications', { body: { username: creds.username, password: 'wrong' } });
  await call('PUT /authentications', 'PUT', '/authentications', { body: { refreshToken: login.json.data.refreshToken } });
  await call('PUT /authentications', 'PUT', '/authentications', { body: { refreshToken: 'nope' } });
  await call('DELETE /authentications', 'DELETE', '/authentications', { body: { refreshToken: login.json.data.refreshToken } });
  await call('DELETE /authentications', 'DELETE', '/authentications', { body: {} });

  // Catalog: albums and songs.
  const album = await call('POST /albums', 'POST', '/albums', { token: admin, body: { name: 'OpenAPI album', year: 2024 } });
  await call('POST /albums', 'POST', '/albums', { token: admin, body: { name: 'No year' } });
  const albumId = album.json.data.albumId;
  await call('GET /albums', 'GET', '/albums');
  await call('GET /albums', 'GET', '/albums?limit=x');
  await call('GET /albums/:id', 'GET', `/albums/${albumId}`);
  await call('GET /albums/:id', 'GET', '/albums/album-nosuchalbum0000');
  await call('PUT /albums/:id', 'PUT', `/albums/${albumId}`, { token: admin, body: { name: 'Renamed', year: 2025 } });
  await call('PUT /albums/:id', 'PUT', `/albums/${albumId}`, { token: user.accessToken, body: { name: 'Mine', year: 2025 } });
  const cover = multipart('cover', 'c.png', 'image/png', PNG);
  await call('POST /albums/:id/covers', 'POST', `/albums/${albumId}/covers`, { token: admin, body: cover.body, headers: { 'content-type': cover.type } });
  await call('POST /albums/:id/covers', 'POST', `/albums/${albumId}/covers`, { token: admin, body: { cover: 'x' } });
  await call('POST /albums/:id/likes', 'POST', `/albums/${albumId}/likes`, { token: user.accessToken });
  await call('POST /albums/:id/likes', 'POST', `/albums/${albumId}/likes`, { token: user.accessToken });
  await call('GET /albums/:id/likes', 'GET', `/albums/${albumId}/likes`);
  await call('GET /albums/:id/likes', 'GET', `/albums/${albumId}/likes`);
  await call('GET /albums/:id/likes', 'GET', '/albums/album-nosuchalbum0000/likes');
  await call('DELETE /albums/:id/likes', 'DELETE', `/albums/${albumId}/likes`, { token: user.accessToken });
  await call('DELETE /albums/:id/likes', 'DELETE', `/albums/${albumId}/likes`, { token: guest.token });

  const song = await call('POST /songs', 'POST', '/songs', { token: admin, body: { title: 'OpenAPI song', year: 2024, genre: 'Pop', performer: 'Spec', duration: 200, albumId } });
  await call('POST /songs', 'POST', '/songs', { token: admin, body: { title: 'No genre', year: 2024, performer: 'Spec' } });
  const songId = song.json.data.songId;
  await call('GET /songs', 'GET', '/songs?title=open');
  await call('GET /songs', 'GET', '/songs?title=%ff');
  await call('GET /songs/:id', 'GET', `/songs/${songId}`);
  await call('GET /songs/:id', 'GET', '/songs/song-nosuchsong00000');
  await call('PUT /songs/:id', 'PUT', `/songs/${songId}`, { token: admin, body: { title: 'OpenAPI song 2', year: 2024, genre: 'Pop', performer: 'Spec' } });
  await call('PUT /songs/:id', 'PUT', `/songs/${songId}`, { token: admin, body: { title: 'x' } });

  await call('GET /youtube/search', 'GET', '/youtube/search?q=never');
  await call('GET /search', 'GET', '/search?q=open&limit=5');
  await call('GET /search', 'GET', '/search?q=open&limit=0');
  if (youtube) {
    const server = await youtubeStandIn();
    try {
      // A day of test runs on one stack spends more than the default budget.
      restartWorkers({ YOUTUBE_API_KEY: 'openapi-key', YOUTUBE_API_URL: `http://127.0.0.1:${server.address().port}/v3`, YOUTUBE_DAILY_BUDGET: '1000000000' });
      await call('GET /youtube/search', 'GET', '/youtube/search?q=never');
      await call('GET /youtube/search', 'GET', '/youtube/search');
      await call('GET /search', 'GET', `/search?q=never+${Date.now()}`);
    } finally {
      restartWorkers({ YOUTUBE_API_KEY: '', YOUTUBE_API_URL: '' });
      server.close();
    }
  }

  // Playlists, collaborations, exports.
  const pl = await call('POST /playlists', 'POST', '/playlists', { token: user.accessToken, body: { name: 'OpenAPI list' } });
  await call('POST /playlists', 'POST', '/playlists', { token: guest.token, body: { name: 'x' } });
  const playlistId = pl.json.data.playlistId;
  await call('GET /playlists', 'GET', '/playlists', { token: user.accessToken });
  await call('GET /playlists', 'GET', '/playlists');
  await call('POST /playlists/:id/songs', 'POST', `/playlists/${playlistId}/songs`, { token: user.accessToken, body: { songId } });
  await call('POST /playlists/:id/songs', 'POST', `/playlists/${playlistId}/songs`, { token: friend.accessToken, body: { songId } });
  await call('GET /playlists/:id/songs', 'GET', `/playlists/${playlistId}/songs`, { token: user.accessToken });
  await call('GET /playlists/:id/songs', 'GET', `/playlists/${playlistId}/songs`, { token: user.accessToken });
  await call('GET /playlists/:id/songs', 'GET', `/playlists/${playlistId}/songs`, { token: friend.accessToken });
  await call('GET /playlists/:id/activities', 'GET', `/playlists/${playlistId}/activities`, { token: user.accessToken });
  await call('GET /playlists/:id/activities', 'GET', '/playlists/playlist-nosuchlist000/activities', { token: user.accessToken });
  await call('POST /collaborations', 'POST', '/collaborations', { token: user.accessToken, body: { playlistId, userId: friend.id } });
  await call('POST /collaborations', 'POST', '/collaborations', { token: friend.accessToken, body: { playlistId, userId: friend.id } });
  await call('DELETE /collaborations', 'DELETE', '/collaborations', { token: user.accessToken, body: { playlistId, userId: friend.id } });
  await call('DELETE /collaborations', 'DELETE', '/collaborations', { token: user.accessToken, body: { playlistId } });
  const job = await call('POST /export/playlists/:playlistId', 'POST', `/export/playlists/${playlistId}`, { token: user.accessToken, body: { targetEmail: 'someone@example.com' } });
  await call('POST /export/playlists/:playlistId', 'POST', `/export/playlists/${playlistId}`, { token: user.accessToken, body: { targetEmail: 'not an address' } });
  await call('GET /export/jobs/:jobId', 'GET', `/export/jobs/${job.json.data.jobId}`, { token: user.accessToken });
  await call('GET /export/jobs/:jobId', 'GET', `/export/jobs/${job.json.data.jobId}`, { token: friend.accessToken });
  await call('DELETE /playlists/:id/songs', 'DELETE', `/playlists/${playlistId}/songs`, { token: user.accessToken, body: { songId } });
  await call('DELETE /playlists/:id/songs', 'DELETE', `/playlists/${playlistId}/songs`, { token: user.accessToken, body: {} });
  await call('DELETE /playlists/:id', 'DELETE', `/playlists/${playlistId}`, { token: friend.accessToken });
  await call('DELETE /playlists/:id', 'DELETE', `/playlists/${playlistId}`, { token: user.accessToken });

  // Rooms.
  const room = await call('POST /rooms', 'POST', '/rooms', { token: guest.token, body: { name: 'OpenAPI room' } });
  await call('POST /rooms', 'POST', '/rooms', { body: { name: 'x' } });
  const code = room.json.data.room.code;
  // Other joins by adding a song.
  const added = await call('POST /rooms/:code/queue', 'POST', `/rooms/${code}/queue`, { token: other.token, body: { songId: songs[0] } });
  await call('POST /rooms/:code/queue', 'POST', `/rooms/${code}/queue`, { token: guest.token, body: { songId: songs[0] } });
  await call('POST /rooms/:code/queue', 'POST', `/rooms/${code}/queue`, { token: guest.token, body: { songId: 'song-nosuchsong00000' } });
  await call('GET /rooms/:code', 'GET', `/rooms/${code}`);
  await call('GET /rooms/:code', 'GET', '/rooms/ZZZZZZ');
  await call('PATCH /rooms/:code', 'PATCH', `/rooms/${code}`, { token: guest.token, body: { tieRule: 'fairness', votingMode: 'updown' } });
  await call('PATCH /rooms/:code', 'PATCH', `/rooms/${code}`, { token: other.token, body: { tieRule: 'arrival' } });
  await call('GET /rooms/:code/members', 'GET', `/rooms/${code}/members`);
  await call('GET /rooms/:code/members', 'GET', '/rooms/ZZZZZZ/members');
  await call('GET /rooms/:code/me', 'GET', `/rooms/${code}/me`, { token: other.token });
  await call('GET /rooms/:code/me', 'GET', `/rooms/${code}/me`);
  await call('PATCH /rooms/:code/me', 'PATCH', `/rooms/${code}/me`, { token: other.token, body: { name: ' Other ' } });
  await call('PATCH /rooms/:code/me', 'PATCH', `/rooms/${code}/me`, { token: other.token, body: { name: '   ' } });
  await call('POST /rooms/:code/join', 'POST', `/rooms/${code}/join`, { token: (await newGuest('OpenAPI joiner')).token, body: {} });
  await call('POST /rooms/:code/join', 'POST', `/rooms/${code}/join`, { token: other.token, body: { pin: '12' } });
  await call('GET /rooms/:code/events', 'GET', `/rooms/${code}/events`, { headers: { accept: 'text/event-stream' } });
  await call('GET /rooms/:code/events', 'GET', '/rooms/ZZZZ/events', { headers: { accept: 'text/event-stream' } });
  await call('GET /rooms/:code/qr.svg', 'GET', `/rooms/${code}/qr.svg`);
  await call('GET /rooms/:code/qr.svg', 'GET', '/rooms/ZZZZZZ/qr.svg');
  const members = (await api('GET', `/rooms/${code}/members`)).json.data.members;
  const otherId = members.find((m) => m.name === 'Other').id;
  await call('POST /rooms/:code/cohosts', 'POST', `/rooms/${code}/cohosts`, { token: guest.token, body: { memberId: otherId } });
  await call('POST /rooms/:code/cohosts', 'POST', `/rooms/${code}/cohosts`, { token: other.token, body: { memberId: otherId } });
  await call('DELETE /rooms/:code/cohosts/:memberId', 'DELETE', `/rooms/${code}/cohosts/${otherId}`, { token: guest.token });
  await call('DELETE /rooms/:code/cohosts/:memberId', 'DELETE', `/rooms/${code}/cohosts/${otherId}`, { token: other.token });

  const entryId = added.json.data.entry.id;
  const second = await addEntry(code, guest, songs[1]);
  await call('PUT /rooms/:code/queue/:entryId/vote', 'PUT', `/rooms/${code}/queue/${entryId}/vote`, { token: guest.token, body: { value: 1 } });
  await call('PUT /rooms/:code/queue/:entryId/vote', 'PUT', `/rooms/${code}/queue/${entryId}/vote`, { token: guest.token, body: { value: 2 } });
  await call('PUT /rooms/:code/queue/:entryId/pin', 'PUT', `/rooms/${code}/queue/${entryId}/pin`, { token: guest.token, body: {} });
  await call('PUT /rooms/:code/queue/:entryId/pin', 'PUT', `/rooms/${code}/queue/${entryId}/pin`, { token: other.token, body: { position: 0 } });
  await call('DELETE /rooms/:code/queue/:entryId/pin', 'DELETE', `/rooms/${code}/queue/${second.entry.id}/pin`, { token: guest.token });
  await call('DELETE /rooms/:code/queue/:entryId/pin', 'DELETE', `/rooms/${code}/queue/${entryId}/pin`, { token: other.token });
  await call('GET /rooms/:code/queue', 'GET', `/rooms/${code}/queue`);
  const q = await call('GET /rooms/:code/queue', 'GET', `/rooms/${code}/queue`, { headers: { 'if-none-match': '"0"' } });
  await call('GET /rooms/:code/queue', 'GET', `/rooms/${code}/queue`, { headers: { 'if-none-match': `"${q.json?.data?.revision}"` } });
  await call('GET /rooms/:code/queue', 'GET', '/rooms/ZZZZZZ/queue');
  await call('POST /rooms/:code/advance', 'POST', `/rooms/${code}/advance`, { token: guest.token, body: { currentEntryId: null } });
  await call('POST /rooms/:code/advance', 'POST', `/rooms/${code}/advance`, { token: guest.token, body: { currentEntryId: null } });
  await call('POST /rooms/:code/skip', 'POST', `/rooms/${code}/skip`, { token: other.token, body: { entryId } });
  await call('POST /rooms/:code/skip', 'POST', `/rooms/${code}/skip`, { token: other.token, body: { entryId: 999999999 } });
  await call('PUT /rooms/:code/playback', 'PUT', `/rooms/${code}/playback`, { token: guest.token, body: { entryId, paused: true } });
  await call('PUT /rooms/:code/playback', 'PUT', `/rooms/${code}/playback`, { token: other.token, body: { entryId, paused: false } });
  await call('GET /rooms/:code/history', 'GET', `/rooms/${code}/history`);
  await call('GET /rooms/:code/history', 'GET', '/rooms/ZZZZZZ/history');
  {
    // A room of the user's own where one song has played through.
    const h = (await newRoom(user, 'OpenAPI history')).code;
    const played = (await addEntry(h, user, songs[2])).entry.id;
    await api('POST', `/rooms/${h}/advance`, { token: user.token, body: { currentEntryId: null } });
    await api('POST', `/rooms/${h}/advance`, { token: user.token, body: { currentEntryId: played } });
    await call('POST /rooms/:code/history/playlist', 'POST', `/rooms/${h}/history/playlist`, { token: user.accessToken, body: { name: 'OpenAPI history', last: 10 } });
    await call('POST /rooms/:code/history/playlist', 'POST', `/rooms/${h}/history/playlist`, { token: guest.token, body: { name: 'OpenAPI history' } });
    await call('POST /rooms/:code/history/playlist', 'POST', `/rooms/${h}/history/playlist`, { token: user.accessToken, body: { name: '' } });
    await call('POST /rooms/:code/history/playlist', 'POST', `/rooms/${code}/history/playlist`, { token: user.accessToken, body: { name: 'OpenAPI history' } });
  }
  await call('DELETE /rooms/:code/queue/:entryId', 'DELETE', `/rooms/${code}/queue/${second.entry.id}`, { token: other.token });
  await call('DELETE /rooms/:code/queue/:entryId', 'DELETE', `/rooms/${code}/queue/${second.entry.id}`, { token: guest.token });
  await call('POST /rooms/:code/bans', 'POST', `/rooms/${code}/bans`, { token: guest.token, body: { memberId: otherId } });
  await call('POST /rooms/:code/bans', 'POST', `/rooms/${code}/bans`, { token: other.token, body: { memberId: otherId } });
  await call('DELETE /rooms/:code/bans/:memberId', 'DELETE', `/rooms/${code}/bans/${otherId}`, { token: guest.token });
  await call('DELETE /rooms/:code/bans/:memberId', 'DELETE', `/rooms/${code}/bans/${otherId}`);
  // A room's life: hand over and back, leave, my rooms, close (then 410).
  const lifeHost = await newGuest('Life host');
  const lifeMember = await newGuest('Life member');
  const life = assertOk(await api('POST', '/rooms', { token: lifeHost.token, body: { name: 'Life' } }), 201).room.code;
  await addEntry(life, lifeMember, songs[2]);
  await call('POST /rooms/:code/host', 'POST', `/rooms/${life}/host`, { token: lifeHost.token, body: { memberId: lifeMember.id } });
  await call('POST /rooms/:code/host', 'POST', `/rooms/${life}/host`, { token: lifeHost.token, body: { memberId: lifeMember.id } });
  await call('POST /rooms/:code/host', 'POST', `/rooms/${life}/host`, { token: lifeMember.token, body: { memberId: lifeMember.id } });
  await call('GET /me/rooms', 'GET', '/me/rooms', { token: lifeHost.token });
  await call('GET /me/rooms', 'GET', '/me/rooms');
  await call('POST /rooms/:code/leave', 'POST', `/rooms/${life}/leave`, { token: lifeHost.token });
  await call('POST /rooms/:code/leave', 'POST', `/rooms/${life}/leave`, { token: lifeHost.token });
  await call('POST /rooms/:code/close', 'POST', `/rooms/${life}/close`, { token: guest.token });
  await call('POST /rooms/:code/close', 'POST', `/rooms/${life}/close`, { token: lifeMember.token });
  await call('POST /rooms/:code/close', 'POST', `/rooms/${life}/close`, { token: lifeMember.token });

  // My queue and preferences.
  const t = user.accessToken;
  await call('GET /me/queue', 'GET', '/me/queue', { token: t });
  await call('GET /me/queue', 'GET', '/me/queue', { token: guest.token });
  await call('POST /me/queue/tracks', 'POST', '/me/queue/tracks', { token: t, body: { songIds: songs.slice(0, 4), position: 'end' } });
  await call('POST /me/queue/tracks', 'POST', '/me/queue/tracks', { token: t, body: { songIds: 'x' } });
  const mq = await call('GET /me/queue', 'GET', '/me/queue', { token: t });
  await call('GET /me/queue', 'GET', '/me/queue', { token: t, headers: { 'if-none-match': mq.headers.etag } });
  const state = mq.json.data.state;
  await call('PUT /me/queue', 'PUT', '/me/queue', { token: t, body: state, headers: { 'if-match': mq.headers.etag } });
  await call('PUT /me/queue', 'PUT', '/me/queue', { token: t, body: state, headers: { 'if-match': mq.headers.etag } });
  await call('PUT /me/queue', 'PUT', '/me/queue', { token: t, body: state });
  await call('PATCH /me/queue', 'PATCH', '/me/queue', { token: t, body: { repeatMode: 'all' } });
  await call('PATCH /me/queue', 'PATCH', '/me/queue', { token: t, body: { repeatMode: 'sometimes' } });
  await call('POST /me/queue/play-now', 'POST', '/me/queue/play-now', { token: t, body: { songId: songs[5] } });
  await call('POST /me/queue/play-now', 'POST', '/me/queue/play-now', { token: t, body: { songId: 'song-nosuchsong00000' } });
  await call('POST /me/queue/shuffle', 'POST', '/me/queue/shuffle', { token: t });
  await call('POST /me/queue/shuffle', 'POST', '/me/queue/shuffle', { token: guest.token });
  await call('POST /me/queue/unshuffle', 'POST', '/me/queue/unshuffle', { token: t });
  await call('POST /me/queue/unshuffle', 'POST', '/me/queue/unshuffle');
  await call('POST /me/queue/next', 'POST', '/me/queue/next', { token: t });
  await call('POST /me/queue/next', 'POST', '/me/queue/next', { token: t, headers: { 'if-match': '"1"' } });
  await call('POST /me/queue/previous', 'POST', '/me/queue/previous', { token: t });
  await call('POST /me/queue/previous', 'POST', '/me/queue/previous', { token: guest.token });
  const cur = (await api('GET', '/me/queue', { token: t })).json.data.state.currentIndex;
  await call('POST /me/queue/move', 'POST', '/me/queue/move', { token: t, body: { from: cur + 1, to: cur + 2 } });
  await call('POST /me/queue/move', 'POST', '/me/queue/move', { token: t, body: { from: 0, to: 99 } });
  const now = (await api('GET', '/me/queue', { token: t })).json.data.state;
  const notCurrent = now.currentIndex === 0 ? 1 : 0;
  await call('DELETE /me/queue/tracks/:position', 'DELETE', `/me/queue/tracks/${notCurrent}`, { token: t });
  await call('DELETE /me/queue/tracks/:position', 'DELETE', '/me/queue/tracks/999', { token: t });
  await call('DELETE /me/queue/upcoming', 'DELETE', '/me/queue/upcoming', { token: t });
  await call('DELETE /me/queue/upcoming', 'DELETE', '/me/queue/upcoming', { token: guest.token });
  const sub = await call('GET /me/queue/subscription', 'GET', '/me/queue/subscription', { token: t });
  await call('GET /me/queue/subscription', 'GET', '/me/queue/subscription', { token: guest.token });
  await call('GET /me/queue/events', 'GET', new URL(sub.json.data.url, BASE).pathname + new URL(sub.json.data.url, BASE).search, { headers: { accept: 'text/event-stream' } });
  await call('GET /me/queue/events', 'GET', '/me/queue/events?ticket=forged');
  await call('GET /me/preferences', 'GET', '/me/preferences', { token: t });
  await call('GET /me/preferences', 'GET', '/me/preferences', { token: guest.token });
  await call('PUT /me/preferences', 'PUT', '/me/preferences', { token: t, body: { autoPlay: false, showRemoteChanges: true } });
  await call('PUT /me/preferences', 'PUT', '/me/preferences', { token: t, body: { autoPlay: 'no' } });

  // Operations. /metrics answers only METRICS_ALLOW's addresses: refused with one the test is not.
  await call('GET /healthz', 'GET', '/healthz');
  await call('GET /readyz', 'GET', '/readyz');
  await call('GET /metrics', 'GET', '/metrics');
  restartWorkers({ METRICS_ALLOW: '10.0.0.1' });
  try {
    await call('GET /metrics', 'GET', '/metrics');
  } finally {
    restartWorkers({});
  }

  // Deletes last: the song and album the calls above used.
  await call('DELETE /songs/:id', 'DELETE', `/songs/${songId}`, { token: user.accessToken });
  await call('DELETE /songs/:id', 'DELETE', `/songs/${songId}`, { token: admin });
  await call('DELETE /albums/:id', 'DELETE', `/albums/${albumId}`, { token: user.accessToken });
  await call('DELETE /albums/:id', 'DELETE', `/albums/${albumId}`, { token: admin });
  return out;
}
