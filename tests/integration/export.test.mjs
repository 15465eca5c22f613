// export.test.mjs: playlist export by email: durable jobs, the consumer, the SMTP sink.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { api, assertFail, assertOk, service, until, sleep, DATA, ROOT } from './lib.mjs';
import { newUser, newPlaylist, addCollaborator, newSong, addPlaylistSong } from './catalog_lib.mjs';
import { MAIL, mailsFor, attachment } from './mail_lib.mjs';

async function playlistWithSongs(owner) {
  const playlistId = await newPlaylist(owner, 'Road trip');
  const songs = [];
  for (const title of ['Alpha', 'Beta']) {
    const id = await newSong({ title, performer: `${title} Band` });
    await addPlaylistSong(owner, playlistId, id);
    songs.push({ id, title, performer: `${title} Band` });
  }
  return { playlistId, songs };
}

async function job(owner, id) {
  return assertOk(await api('GET', `/export/jobs/${id}`, { token: owner.token })).job;
}

test('export refusals: 401, 400, 404, 403', async () => {
  const owner = await newUser();
  const other = await newUser();
  const collaborator = await newUser();
  const playlistId = await newPlaylist(owner);
  await addCollaborator(owner, playlistId, collaborator.id);
  const path_ = `/export/playlists/${playlistId}`;
  assertFail(await api('POST', path_, { body: { targetEmail: 'a@example.com' } }), 401);
  for (const targetEmail of [undefined, 5, null, '', 'not-an-email', 'a@b', '@example.com', 'a b@example.com', 'a@example.com\r\nRCPT TO:<x@y.z>', 'a@@example.com']) {
    assertFail(await api('POST', path_, { token: owner.token, body: targetEmail === undefined ? {} : { targetEmail } }), 400);
  }
  assertFail(await api('POST', '/export/playlists/playlist-nope', { token: owner.token, body: { targetEmail: 'a@example.com' } }), 404);
  assertFail(await api('POST', path_, { token: other.token, body: { targetEmail: 'a@example.com' } }), 403);
  assertFail(await api('POST', path_, { token: collaborator.token, body: { targetEmail: 'a@example.com' } }), 403);
});

test('an export is answered at once and arrives by email with the exact JSON attachment', async () => {
  const owner = await newUser();
  const { playlistId, songs } = await playlistWithSongs(owner);
  const r = await api('POST', `/export/playlists/${playlistId}`, { token: owner.token, body: { targetEmail: 'fan@example.com' } });
  const data = assertOk(r, 201);
  assert.ok(r.json.message);
  assert.match(data.jobId, /^export-/);
  await until(() => mailsFor(playlistId).length === 1, 10000, 'the email');
  const mail = mailsFor(playlistId)[0];
  assert.match(mail, /X-Sink-To: <fan@example.com>/);
  const { head, json } = attachment(mail, playlistId);
  assert.match(head, /Content-Type: application\/json/);
  assert.deepEqual(json, { playlist: { id: playlistId, name: 'Road trip', songs } });
  const j = await until(async () => { const x = await job(owner, data.jobId); return x.state === 'sent' && x; }, 5000, 'state sent');
  assert.equal(j.attempts, 1);
  assert.equal(j.targetEmail, 'fan@example.com');
  await sleep(500);
  assert.equal(mailsFor(playlistId).length, 1, 'exactly one email per job');
  // Only the owner sees the job.
  const other = await newUser();
  assertFail(await api('GET', `/export/jobs/${data.jobId}`, { token: other.token }), 403);
  assertFail(await api('GET', '/export/jobs/export-nope', { token: owner.token }), 404);
});

test('with the SMTP server down the job stays queued, and goes out once it is back', async () => {
  const owner = await newUser();
  const { playlistId } = await playlistWithSongs(owner);
  service('stop', 'sink');
  let jobId;
  try {
    jobId = assertOk(await api('POST', `/export/playlists/${playlistId}`, { token: owner.token, body: { targetEmail: 'late@example.com' } }), 201).jobId;
    const j = await until(async () => { const x = await job(owner, jobId); return x.attempts >= 2 && x; }, 15000, 'failed attempts');
    assert.ok(['queued', 'sending'].includes(j.state), j.state);
    assert.ok(j.lastError, 'the error is kept');
    assert.equal(mailsFor(playlistId).length, 0);
  } finally {
    service('start', 'sink');
  }
  await until(async () => (await job(owner, jobId)).state === 'sent', 15000, 'delivery after the sink returned');
  assert.equal(mailsFor(playlistId).length, 1);
});

test('killing the consumer mid-job loses nothing: another run picks it up after the lease', async () => {
  const owner = await newUser();
  const { playlistId } = await playlistWithSongs(owner);
  const hold = path.join(MAIL, '.hold');
  fs.writeFileSync(hold, '');
  let jobId;
  try {
    jobId = assertOk(await api('POST', `/export/playlists/${playlistId}`, { token: owner.token, body: { targetEmail: 'kill@example.com' } }), 201).jobId;
    await until(async () => (await job(owner, jobId)).state === 'sending', 10000, 'the job being sent');
    await sleep(500); // the message is with the sink, which does not acknowledge it
    const pid = Number(fs.readFileSync(path.join(DATA, 'run/exportd.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await until(() => { try { process.kill(pid, 0); return false; } catch { return true; } }, 5000, 'the consumer to die');
  } finally {
    fs.rmSync(hold, { force: true });
  }
  assert.equal((await job(owner, jobId)).state, 'sending', 'still leased to the dead consumer');
  service('start', 'exportd');
  const j = await until(async () => { const x = await job(owner, jobId); return x.state === 'sent' && x; }, 20000, 'delivery after the lease ran out');
  assert.equal(j.attempts, 2);
  await sleep(500);
  assert.equal(mailsFor(playlistId).length, 1, 'exactly one email arrived');
});

test('with SMTP credentials set, TLS is required: a server without STARTTLS gets no mail, the job fails saying why', async () => {
  const owner = await newUser();
  const { playlistId } = await playlistWithSongs(owner);
  service('stop', 'exportd');
  // The sink offers no STARTTLS: credentials must never be sent in clear.
  execFileSync(`${ROOT}/dev`, ['service', 'start', 'exportd', '--data', DATA], {
    env: { ...process.env, SMTP_USER: 'mailer', SMTP_PASSWORD: 'secret', EXPORT_MAX_ATTEMPTS: '2' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const { jobId } = assertOk(await api('POST', `/export/playlists/${playlistId}`,
      { token: owner.token, body: { targetEmail: 'tls@example.com' } }), 201);
    const done = await until(async () => {
      const j = await job(owner, jobId);
      return j.state === 'failed' ? j : null;
    }, 15000, 'the job to fail');
    assert.match(done.lastError, /TLS|SSL|STARTTLS/i, done.lastError);
    assert.ok(!done.lastError.includes('secret'));
    assert.equal(mailsFor(playlistId).length, 0);
  } finally {
    service('stop', 'exportd');
    service('start', 'exportd');
  }
});

test('mail the sink keeps is readable by its owner only', async () => {
  const files = fs.existsSync(MAIL) ? fs.readdirSync(MAIL).filter((f) => f.endsWith('.eml')) : [];
  assert.ok(files.length > 0, 'some mail was kept by the tests before');
  for (const f of files) assert.equal(fs.statSync(path.join(MAIL, f)).mode & 0o777, 0o600, f);
});
