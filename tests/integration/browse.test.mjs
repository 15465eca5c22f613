// browse.test.mjs: the endpoints the web client needs beyond OpenMusic:
// the album list and who an access token belongs to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertOk, assertFail, newGuest } from './lib.mjs';
import { newUser, newAlbum, uid } from './catalog_lib.mjs';

test('GET /albums lists albums by name with their cover URL (null without one)', async () => {
  const tag = uid();
  const b = await newAlbum({ name: `B ${tag}`, year: 1999 });
  const a = await newAlbum({ name: `a ${tag}`, year: 2001 });
  const { albums } = assertOk(await api('GET', '/albums'));
  const mine = albums.filter((x) => x.name.endsWith(tag));
  assert.deepEqual(mine, [
    { id: a, name: `a ${tag}`, year: 2001, coverUrl: null },
    { id: b, name: `B ${tag}`, year: 1999, coverUrl: null },
  ]);
  const demo = albums.find((x) => x.id === 'album-demo0000000002');
  assert.equal(demo?.name, 'Thriller');
});

test('GET /users/me answers a user\'s access token; guests and no token get 401', async () => {
  const user = await newUser({ fullname: 'Mia Me' });
  assert.deepEqual(assertOk(await api('GET', '/users/me', { token: user.accessToken })).user,
    { id: user.id, username: user.username, fullname: 'Mia Me' });
  assertFail(await api('GET', '/users/me', { token: (await newGuest()).token }), 401);
  assertFail(await api('GET', '/users/me'), 401);
});
