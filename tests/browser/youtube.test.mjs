// youtube.test.mjs: YouTube results in the web client, at phone size, with
// the workers pointed at the stand-in YouTube: the room's search, the songs
// page (to the personal queue) and a playlist's search each show where a
// result comes from and add a video by its id alone; a spent budget is said.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium } from './browser_lib.mjs';
import { api, assertOk, newGuest, newRoom, queue, until } from '../integration/lib.mjs';
import { newUser, newPlaylist } from '../integration/catalog_lib.mjs';
import { KEY, randomVideoId, startYouTubeStandIn, restartWorkersWithYouTube } from '../integration/youtube_standin.mjs';

const BASE = process.env.QUEUED_URL;
const PHONE = { width: 360, height: 740 };
const RUN = Date.now().toString(36);
// Searches match on the title; RUN keeps this run's videos apart from what Redis cached earlier.
const ROOM_VIDEO = randomVideoId(), QUEUE_VIDEO = randomVideoId(), PLAYLIST_VIDEO = randomVideoId();
const VIDEOS = {
  [ROOM_VIDEO]: { title: `Room anthem ${RUN}`, channel: 'Anthem Channel', duration: 'PT3M' },
  [QUEUE_VIDEO]: { title: `Queue anthem ${RUN}`, channel: 'Queue Channel', duration: 'PT2M30S' },
  [PLAYLIST_VIDEO]: { title: `Playlist anthem ${RUN}`, channel: 'List Channel', duration: 'PT4M' },
};
let browser;
let yt;

before(async () => {
  yt = await startYouTubeStandIn(VIDEOS);
  restartWorkersWithYouTube({ YOUTUBE_API_KEY: KEY, YOUTUBE_API_URL: yt.baseUrl });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  restartWorkersWithYouTube({ YOUTUBE_API_KEY: '', YOUTUBE_API_URL: '' });
  await yt.close();
});

/** A phone; signed in as user (the way api.js keeps a session) when one is given. */
async function phone(user) {
  const context = await browser.newContext({ viewport: PHONE, bypassCSP: true });
  if (user) {
    const session = { accessToken: user.accessToken, refreshToken: user.refreshToken, username: user.username, fullname: user.fullname };
    await context.addInitScript((s) => {
      if (!localStorage.getItem('queued.session')) localStorage.setItem('queued.session', s);
      if (!localStorage.getItem('queued.myQueue.open')) localStorage.setItem('queued.myQueue.open', '1');
    }, JSON.stringify(session));
  }
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  return { context, page };
}

async function joinRoom(page, code) {
  await page.goto(`${BASE}/#/r/${code}`);
  await page.getByLabel('Your name in this room').fill('Phone guest');
  await page.getByRole('button', { name: 'Join the room' }).click();
  await page.locator('#room-code').waitFor();
}

test('a room\'s search shows YouTube results as such and adds one with the title YouTube gave', async () => {
  const host = await newGuest('Host');
  const { code } = await newRoom(host, 'YouTube room');
  const { context, page } = await phone();
  try {
    await joinRoom(page, code);
    await page.locator('#search').fill(`room anthem ${RUN}`);
    const result = page.locator('ul.results li', { hasText: `Room anthem ${RUN}` });
    await result.waitFor();
    assert.match(await result.textContent(), /YouTube · Anthem Channel/);
    await page.getByRole('button', { name: `Add Room anthem ${RUN}` }).click();
    await until(async () => (await page.locator('#queue li .t').allTextContents()).includes(`Room anthem ${RUN}`), 3000, 'the video in the queue');
    const entry = assertOk(await queue(code)).entries[0];
    assert.deepEqual([entry.song.youtubeId, entry.song.duration, entry.song.performer], [ROOM_VIDEO, 180, 'Anthem Channel']);
  } finally {
    await context.close();
  }
});

test('the songs page adds a YouTube video to the personal queue; a playlist\'s search adds one to the playlist', async () => {
  const user = await newUser({ fullname: 'Phone User' });
  const playlistId = await newPlaylist(user, `Phone list ${RUN}`);
  const { context, page } = await phone(user);
  try {
    await page.goto(`${BASE}/#/songs`);
    await page.locator('#my-queue:not([hidden])').waitFor();
    await page.locator('#song-q').fill(`queue anthem ${RUN}`);
    const row = page.locator('#songs li', { hasText: `Queue anthem ${RUN}` });
    await row.waitFor();
    assert.match(await row.textContent(), /YouTube · Queue Channel/);
    await page.getByRole('button', { name: `Add Queue anthem ${RUN} to my queue` }).click();
    await until(async () => (await page.locator('#myq-now').textContent()) === `Queue anthem ${RUN}`, 3000, 'the video in my queue');
    const mine = assertOk(await api('GET', '/me/queue', { token: user.accessToken }));
    assert.deepEqual(mine.tracks.map((t) => [t.youtubeId, t.duration]), [[QUEUE_VIDEO, 150]]);

    await page.goto(`${BASE}/#/playlists/${playlistId}`);
    await page.locator('#pl-search').fill(`playlist anthem ${RUN}`);
    const found = page.locator('ul.results li', { hasText: `Playlist anthem ${RUN}` });
    await found.waitFor();
    assert.match(await found.textContent(), /YouTube · List Channel/);
    await page.getByRole('button', { name: `Add Playlist anthem ${RUN}` }).click();
    await page.locator('#playlist-songs li', { hasText: `Playlist anthem ${RUN}` }).waitFor();
    const songs = assertOk(await api('GET', `/playlists/${playlistId}/songs`, { token: user.accessToken })).playlist.songs;
    assert.deepEqual(songs.map((s) => [s.title, s.performer]), [[`Playlist anthem ${RUN}`, 'List Channel']]);
  } finally {
    await context.close();
  }
});

test('with the day\'s YouTube budget spent, the room\'s search says so and still shows catalog songs', async () => {
  restartWorkersWithYouTube({ YOUTUBE_API_KEY: KEY, YOUTUBE_API_URL: yt.baseUrl, YOUTUBE_DAILY_BUDGET: '1' });
  const host = await newGuest('Host');
  const { code } = await newRoom(host, 'Budget room');
  const { context, page } = await phone();
  try {
    await joinRoom(page, code);
    // The room test above put this video in the catalog: it is found there, without YouTube.
    await page.locator('#search').fill(`anthem ${RUN}`);
    await page.locator('ul.results li[role=status]').waitFor();
    assert.match(await page.locator('ul.results li[role=status]').textContent(), /allowance for today/);
    assert.match(await page.locator('ul.results li', { hasText: `Room anthem ${RUN}` }).textContent(), /Catalog · /);
  } finally {
    await context.close();
    restartWorkersWithYouTube({ YOUTUBE_API_KEY: KEY, YOUTUBE_API_URL: yt.baseUrl });
  }
});
