// history.test.mjs: the room's history panel at phone size: the host plays a
// few songs from their screen, a signed-in member's screen shows each played
// song with who added it (newest first, live on every advance), saves the
// history as a playlist (all of it, then the last song only), asks for its
// export by email from the room, and the playlist page lists the songs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium, ARTIFACTS } from './browser_lib.mjs';
import { api, assertOk, newGuest, newRoom, addEntry, until } from '../integration/lib.mjs';
import { newUser, newSong, uid } from '../integration/catalog_lib.mjs';
import { mailsFor, attachment } from '../integration/mail_lib.mjs';

const BASE = process.env.QUEUED_URL;
const PHONE = { width: 360, height: 740 };
let browser;

before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

/** A phone whose localStorage holds session (as api.js keeps it), on the room's page. */
async function phone(session, code, name) {
  const context = await browser.newContext({ viewport: PHONE, bypassCSP: true });
  await context.addInitScript((s) => {
    if (!localStorage.getItem('queued.session')) localStorage.setItem('queued.session', s);
  }, JSON.stringify(session));
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${name}] page error: ${e.message}`));
  await page.goto(`${BASE}/#/r/${code}`);
  await page.locator('#room-code').waitFor();
  return { context, page };
}

/** The history as the page shows it, newest first: [title, line under it]. */
const shown = (page) => page.locator('#history li').evaluateAll((lis) => lis.map((li) =>
  [li.querySelector('.t').textContent, li.querySelector('.m').textContent]));

test('history at phone size: played songs with their adders, live; a member saves them as a playlist and exports it', async () => {
  const host = await newGuest('Hana Host');
  const { code } = await newRoom(host, `History party ${uid()}`);
  const ann = await newGuest('Ann');
  const user = await newUser({ fullname: 'Mia Member' });
  const songs = [];
  for (const [who, n] of [[ann, 1], [user, 2], [host, 3]]) {
    const title = `Played ${n} ${uid()}`;
    const id = await newSong({ title, performer: `Band ${n}`, duration: 200 });
    await addEntry(code, who, id); // same score: they play in the order added
    songs.push({ id, title, performer: `Band ${n}` });
  }
  const h = await phone({ guestToken: host.token, guestId: host.id, guestName: host.name }, code, 'host');
  const m = await phone({ accessToken: user.accessToken, refreshToken: user.refreshToken, username: user.username, fullname: user.fullname }, code, 'member');
  try {
    await m.page.locator('#history-empty').waitFor();
    assert.equal(await m.page.locator('#history li').count(), 0);
    // The host plays the three songs through from their screen.
    await h.page.locator('#advance').waitFor();
    for (let i = 0; i < 4; i++) {
      const before = assertOk(await api('GET', `/rooms/${code}`)).room.nowPlaying?.id ?? null;
      await h.page.locator('#advance').click();
      await until(async () => (assertOk(await api('GET', `/rooms/${code}`)).room.nowPlaying?.id ?? null) !== before || i === 3, 3000, `advance ${i}`);
      // Each song's end reaches the member's screen by itself.
      await until(async () => (await m.page.locator('#history li').count()) === i, 5000, `${i} played on the member's screen`);
    }
    await until(async () => assertOk(await api('GET', `/rooms/${code}/history`)).entries.length === 3, 3000, 'three played');
    assert.deepEqual(await shown(m.page), [
      [songs[2].title, 'Band 3 · added by Hana Host'],
      [songs[1].title, 'Band 2 · added by you'],
      [songs[0].title, 'Band 1 · added by Ann'],
    ]);
    assert.equal(await h.page.locator('#history li').count(), 3, 'the host sees it too');
    assert.equal(await h.page.locator('#history-save').count(), 0, 'a guest has no save control');
    const noSideways = await m.page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1);
    assert.ok(noSideways, 'the page does not scroll sideways');

    // Save all of it.
    await m.page.getByText('Save as playlist', { exact: true }).first().click(); // the summary opens the form
    await m.page.getByLabel('Playlist name').fill('Friday set');
    await m.page.getByRole('button', { name: 'Save as playlist' }).click();
    const link = m.page.locator('#history-playlist');
    await link.waitFor();
    assert.match(await m.page.locator('#history-saved').textContent(), /Saved as “Friday set” \(3 songs\)/);
    const playlistId = (await link.getAttribute('href')).replace('#/playlists/', '');
    const saved = assertOk(await api('GET', `/playlists/${playlistId}/songs`, { token: user.accessToken })).playlist;
    assert.equal(saved.name, 'Friday set');
    assert.deepEqual(saved.songs, songs, 'oldest first');

    // Its export by email, offered right there: the job appears and is sent.
    await m.page.getByLabel('Email address').fill('mia@example.com');
    await m.page.getByRole('button', { name: 'Export by email' }).click();
    await m.page.locator('#export-state[data-state="sent"]').waitFor({ timeout: 15000 });
    assert.match(await m.page.locator('#export-state').textContent(), /Export: sent/);
    assert.deepEqual(attachment(mailsFor(playlistId)[0], playlistId).json.playlist.songs, songs, 'the email holds the songs');
    await m.page.screenshot({ path: path.join(ARTIFACTS, 'history-phone.png'), fullPage: true });
    assert.ok(fs.statSync(path.join(ARTIFACTS, 'history-phone.png')).size > 10000);

    // The playlist page shows the songs in the order they played.
    await link.click();
    await m.page.locator('#playlist-name').waitFor();
    assert.equal(await m.page.locator('#playlist-name').textContent(), 'Friday set');
    assert.deepEqual(await m.page.locator('#playlist-songs li strong').allTextContents(), songs.map((s) => s.title));

    // Back in the room: only the last song played.
    await m.page.goto(`${BASE}/#/r/${code}`);
    await until(async () => (await m.page.locator('#history li').count()) === 3, 5000, 'the history again');
    await m.page.getByText('Save as playlist', { exact: true }).first().click();
    await m.page.getByLabel('Playlist name').fill('Last one');
    await m.page.getByLabel(/Only the last songs played/).fill('1');
    await m.page.getByRole('button', { name: 'Save as playlist' }).click();
    await m.page.locator('#history-playlist').waitFor();
    assert.match(await m.page.locator('#history-saved').textContent(), /\(1 song\)/);
    const lastId = (await m.page.locator('#history-playlist').getAttribute('href')).replace('#/playlists/', '');
    assert.deepEqual(assertOk(await api('GET', `/playlists/${lastId}/songs`, { token: user.accessToken })).playlist.songs, [songs[2]]);
  } finally {
    await h.context.close();
    await m.context.close();
  }
});
