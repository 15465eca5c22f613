// playback.test.mjs: pause, resume and seek in the web client at phone size:
// the host's controls move every screen's progress together and the host's
// player follows; and "You're up" for the member whose song starts, on the
// page and as a system notification where it is granted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { launchChromium } from './browser_lib.mjs';
import { api, assertOk, newGuest, newRoom, addEntry, queue, until, sleep, DATA } from '../integration/lib.mjs';
import { newSong, uid } from '../integration/catalog_lib.mjs';

const BASE = process.env.QUEUED_URL;
const PHONE = { width: 360, height: 740 };
let browser;

before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

/** A phone-sized screen in room code: as who (a guest's session) or, without who, joining as name. */
async function screen(code, { who, name, init } = {}) {
  const context = await browser.newContext({ viewport: PHONE, bypassCSP: true });
  if (init) await init(context);
  if (who) {
    await context.addInitScript(([token, id, n]) => {
      localStorage.setItem('queued.session', JSON.stringify({ guestToken: token, guestId: id, guestName: n }));
    }, [who.token, who.id, who.name]);
  }
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${who?.name ?? name}] page error: ${e.message}`));
  await page.goto(`${BASE}/#/r/${code}`);
  if (!who) {
    await page.getByLabel('Your name in this room').fill(name);
    await page.getByRole('button', { name: 'Join the room' }).click();
  }
  await page.locator('#room-code').waitFor();
  return { context, page };
}

/** The time a screen shows next to its progress bar ("m:ss"), and the bar's width. */
const shown = (page) => page.evaluate(() => ({
  time: document.querySelector('#main .now .times span')?.textContent,
  bar: document.querySelector('#main .now .progress div')?.style.width,
}));
const seconds = (t) => { const [m, s] = t.split(':').map(Number); return m * 60 + s; };

/**
 * A stand-in for the YouTube IFrame API on the host's screen (this machine
 * has no network): a player whose clock runs while it plays, recording what
 * the page asks of it.
 */
function fakeYouTube() {
  const PLAYING = 1, PAUSED = 2;
  window.YT = {
    PlayerState: { ENDED: 0, PLAYING, PAUSED, BUFFERING: 3, CUED: 5 },
    Player: class {
      constructor(el, opts) {
        window.ytCalls = [];
        this.state = PLAYING;
        this.base = opts.playerVars?.start ?? 0;
        this.since = Date.now();
      }
      getPlayerState() { return this.state; }
      getCurrentTime() { return this.state === PLAYING ? this.base + (Date.now() - this.since) / 1000 : this.base; }
      pauseVideo() { window.ytCalls.push(['pause']); this.base = this.getCurrentTime(); this.state = PAUSED; }
      playVideo() { window.ytCalls.push(['play']); this.since = Date.now(); this.state = PLAYING; }
      seekTo(t) { window.ytCalls.push(['seek', t]); this.base = t; this.since = Date.now(); }
      destroy() {}
    },
  };
}

/** A song with a (made-up) YouTube video, as if added from YouTube: the catalog column set directly. */
async function videoSong(title) {
  const id = await newSong({ title, duration: 200 });
  const video = `v${uid().slice(2, 12)}`.padEnd(11, 'x').slice(0, 11);
  const pw = spawnSync('psql', ['-X', '-tA', '-h', `${DATA}/run/pg`, '-U', 'queued', '-d', 'queued',
    '-c', `UPDATE songs SET youtube_id = '${video}' WHERE id = '${id}'`], { encoding: 'utf8' });
  assert.equal(pw.status, 0, pw.stderr);
  return id;
}

test('the host pauses, resumes and seeks: a guest\'s progress stops, moves again and jumps with the host\'s; the host\'s player follows', async () => {
  const host = await newGuest('Host');
  const { code } = await newRoom(host, 'Pause party');
  const title = `Pausable ${uid()}`;
  await addEntry(code, host, await videoSong(title));
  const hostScreen = await screen(code, { who: host, init: (c) => c.addInitScript(fakeYouTube) });
  const guest = await screen(code, { name: 'Gina' });
  const { page: hp } = hostScreen;
  const { page: gp } = guest;
  try {
    await hp.locator('#advance').click(); // "Start playing"
    for (const p of [hp, gp]) await p.waitForFunction((t) => document.querySelector('#now-title')?.textContent === t, title, { timeout: 3000 });
    await hp.waitForFunction(() => window.ytCalls !== undefined, null, { timeout: 3000 });
    await until(async () => seconds((await shown(gp)).time) >= 2, 5000, 'the guest\'s clock running');
    assert.equal(await gp.locator('#pause').count(), 0, 'a guest has no playback controls');

    // Pause: the guest's time and bar stand still and say so; the video pauses.
    await hp.getByRole('button', { name: 'Pause', exact: true }).click();
    await gp.locator('#now-paused').waitFor({ timeout: 2000 });
    assert.equal(await gp.locator('#now-paused').textContent(), 'Paused');
    const frozen = await shown(gp);
    await sleep(1500);
    assert.deepEqual(await shown(gp), frozen, 'a paused guest screen does not move');
    assert.deepEqual((await shown(hp)).time, frozen.time, 'host and guest show one position');
    await hp.waitForFunction(() => window.ytCalls.some((c) => c[0] === 'pause'), null, { timeout: 2000 });
    assert.match(await hp.locator('#player-status').textContent(), /Paused/);
    const np = assertOk(await queue(code)).nowPlaying;
    assert.equal(np.paused, true);
    assert.equal(seconds(frozen.time), Math.floor(np.positionMs / 1000));

    // Seek while paused: both screens jump 10 s on; the video is sought there.
    await hp.getByRole('button', { name: 'Forward 10 seconds' }).click();
    const target = Math.floor(np.positionMs / 1000) + 10;
    for (const p of [gp, hp]) {
      await until(async () => seconds((await shown(p)).time) === target, 2000, `the jump to ${target} s`);
    }
    await hp.waitForFunction((t) => window.ytCalls.some((c) => c[0] === 'seek' && Math.abs(c[1] - t) < 1.5), target, { timeout: 2000 });

    // Resume: the guest's time moves again, from where it stood; so does the video.
    await hp.getByRole('button', { name: 'Resume' }).click();
    await gp.locator('#now-paused').waitFor({ state: 'detached', timeout: 2000 });
    await until(async () => seconds((await shown(gp)).time) >= target + 1, 3000, 'the guest\'s clock running again');
    assert.ok(seconds((await shown(gp)).time) < target + 4, 'it went on from the sought position');
    await hp.waitForFunction(() => window.ytCalls.some((c) => c[0] === 'play'), null, { timeout: 2000 });
    assert.equal(assertOk(await queue(code)).nowPlaying.paused, false);

    // Seek back while playing: both screens jump back together.
    const before = seconds((await shown(gp)).time);
    await hp.getByRole('button', { name: 'Back 10 seconds' }).click();
    for (const p of [gp, hp]) await until(async () => seconds((await shown(p)).time) <= before - 8, 2000, 'the jump back');
  } finally {
    await hostScreen.context.close();
    await guest.context.close();
  }
});

/** Records every system notification the page creates; the real one is still made. */
function recordNotifications() {
  const Real = window.Notification;
  window.notes = [];
  class Recorded extends Real {
    constructor(title, options) {
      window.notes.push({ title, body: options?.body });
      super(title, options);
    }
  }
  Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
  Recorded.requestPermission = (...a) => Real.requestPermission(...a);
  window.Notification = Recorded;
}

test('"You\'re up": the member whose song starts sees a notice and gets one notification; another member neither', async () => {
  const host = await newGuest('Host');
  const { code } = await newRoom(host, 'Turns');
  const title = `My turn ${uid()}`;
  await newSong({ title, performer: 'Someone', duration: 200 });
  const granted = async (c) => {
    await c.grantPermissions(['notifications'], { origin: BASE });
    await c.addInitScript(recordNotifications);
  };
  const ada = await screen(code, { name: 'Ada', init: granted });
  const bob = await screen(code, { name: 'Bob', init: granted });
  try {
    // Ada adds the song from the search, as a member would.
    await ada.page.locator('#search').fill(title);
    await ada.page.getByRole('button', { name: `Add ${title}` }).click();
    await until(async () => assertOk(await queue(code)).entries.length === 1, 3000, 'the song in the queue');
    await bob.page.waitForFunction(() => document.querySelectorAll('#queue li').length === 1, null, { timeout: 3000 });

    assertOk(await api('POST', `/rooms/${code}/advance`, { token: host.token, body: { currentEntryId: null } }));
    const notice = ada.page.getByRole('status').filter({ hasText: 'You\'re up' });
    await notice.waitFor({ timeout: 3000 });
    assert.equal(await notice.textContent(), `You're up: ${title} is playing now`);
    await sleep(3000);
    assert.ok(await notice.isVisible(), 'still there after a few seconds');
    const notes = await ada.page.evaluate(() => window.notes);
    assert.equal(notes.length, 1, JSON.stringify(notes));
    assert.match(notes[0].title, new RegExp(title));

    await bob.page.waitForFunction((t) => document.querySelector('#now-title')?.textContent === t, title, { timeout: 3000 });
    assert.equal(await bob.page.locator('#youre-up').count(), 0, 'no notice for another member');
    assert.deepEqual(await bob.page.evaluate(() => window.notes), []);
  } finally {
    await ada.context.close();
    await bob.context.close();
  }
});
