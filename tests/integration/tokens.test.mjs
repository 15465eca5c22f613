// tokens.test.mjs: tokens signed with the stack's real keys but expired, or of the wrong kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createHmac } from 'node:crypto';
import { api, assertFail, assertOk, DATA } from './lib.mjs';
import { newUser } from './catalog_lib.mjs';

const env = Object.fromEntries(fs.readFileSync(`${DATA}/queued.env`, 'utf8').split('\n')
  .filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

function sign(claims, key, alg = 'HS256') {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

const now = () => Math.floor(Date.now() / 1000);

test('a correctly signed token works until it expires; expired it is 401', async () => {
  const user = await newUser();
  const live = sign({ id: user.id, name: user.fullname, typ: 'access', iat: now(), exp: now() + 60 }, env.ACCESS_TOKEN_KEY);
  assertOk(await api('GET', '/playlists', { token: live }));
  const expired = sign({ id: user.id, name: user.fullname, typ: 'access', iat: now() - 120, exp: now() - 60 }, env.ACCESS_TOKEN_KEY);
  assertFail(await api('GET', '/playlists', { token: expired }), 401);
  assertFail(await api('POST', '/rooms', { token: expired, body: { name: 'x' } }), 401);
  const guest = sign({ id: 'guest-AAAAAAAAAAAAAAAA', name: 'G', guest: true, typ: 'guest', exp: now() - 1 }, env.ACCESS_TOKEN_KEY);
  assertFail(await api('POST', '/rooms', { token: guest, body: { name: 'x' } }), 401);
});

test('a correctly signed token without an expiry is refused: it would be good forever', async () => {
  const user = await newUser();
  const forever = sign({ id: user.id, name: user.fullname, typ: 'access', iat: now() }, env.ACCESS_TOKEN_KEY);
  const r = await api('GET', '/playlists', { token: forever });
  assertFail(r, 401);
  assert.match(r.json.message, /expiry/);
  const guest = sign({ id: 'guest-AAAAAAAAAAAAAAAA', name: 'G', guest: true, typ: 'guest' }, env.ACCESS_TOKEN_KEY);
  assertFail(await api('POST', '/rooms', { token: guest, body: { name: 'x' } }), 401);
  const stringExp = sign({ id: user.id, typ: 'access', exp: String(now() + 60) }, env.ACCESS_TOKEN_KEY);
  assertFail(await api('GET', '/playlists', { token: stringExp }), 401);
});

test('an algorithm other than HS256 in the header is refused even with a valid HMAC', async () => {
  const user = await newUser();
  const t = sign({ id: user.id, typ: 'access', exp: now() + 60 }, env.ACCESS_TOKEN_KEY, 'HS512');
  assertFail(await api('GET', '/playlists', { token: t }), 401);
});

test('an expired refresh token is 400, and a refresh token is never a bearer credential', async () => {
  const user = await newUser();
  const expired = sign({ id: user.id, typ: 'refresh', jti: 'x', iat: now() - 120, exp: now() - 60 }, env.REFRESH_TOKEN_KEY);
  assertFail(await api('PUT', '/authentications', { body: { refreshToken: expired } }), 400);
  assertFail(await api('GET', '/playlists', { token: user.refreshToken }), 401);
  // A refresh token signed with the access key (as if the keys were shared) is still not a credential.
  const confused = sign({ id: user.id, typ: 'refresh', exp: now() + 60 }, env.ACCESS_TOKEN_KEY);
  assertFail(await api('GET', '/playlists', { token: confused }), 401);
});

test('passwords are stored as argon2id hashes, never in clear', async () => {
  const { execFileSync } = await import('node:child_process');
  const user = await newUser({ password: 'correct horse battery staple' });
  const stored = execFileSync('psql', ['-X', '-tA', '-h', `${DATA}/run/pg`, '-U', 'queued', '-d', 'queued',
    '-c', `SELECT password FROM users WHERE id = '${user.id}'`], { encoding: 'utf8' }).trim();
  assert.match(stored, /^\$argon2id\$/);
  assert.ok(!stored.includes('correct horse'));
});
