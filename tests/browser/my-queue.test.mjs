// my-queue.test.mjs: the personal queue's panel (docs/personal-queue.md) in a
// real browser (Debian's Chromium driven by playwright-core) against the stack
// of `./dev test`: two devices of one user, two tabs of one browser, a tab closed
// right after a change, a conflict the server wins, "Play now" and "Add to
// queue" from the pages, the player advancing by itself, and the panel's
// accessibility and layout at phone size.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launchChromium, ARTIFACTS } from './browser_lib.mjs';
import { api, assertOk, until, sleep } from '../integration/lib.mjs';
import { newUser, newSong, newAlbum, newPlaylist, addPlaylistSong } from '../integration/catalog_lib.mjs';

const BASE = process.env.QUEUED_URL;
let browser;

before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

// ---------------------------------------------------------------- helpers

const serverQueue = async (user) => assertOk(await api('GET', '/me/queue', { token: user.accessToken }));
const serverTitles = async (user) => {
  const q = await serverQueue(user);
  return q.tracks.slice(q.state.currentIndex + 1).map((t) => t.title);
};

/** A user whose queue holds songs with these titles (the first one current, the rest up next). */
async function userWithQueue(titles, { duration = 200 } = {}) {
  const user = await newUser({ fullname: 'Queue Owner' });
  const songIds = [];
  for (const title of titles) songIds.push(await newSong({ title, performer: `${title} band`, duration }));
  if (songIds.length) assertOk(await api('POST', '/me/queue/tracks', { token: user.accessToken, body: { songIds } }));
  return { user, songIds };
}

/** A browser (one device) signed in as user, the way api.js keeps a session, with the panel open. */
async function device(user, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport, bypassCSP: true });
  const session = { accessToken: user.accessToken, refreshToken: user.refreshToken, username: user.username, fullname: user.fullname };
  await context.addInitScript((s) => {
    if (!localStorage.getItem('queued.session')) localStorage.setItem('queued.session', s);
    if (!localStorage.getItem('queued.myQueue.open')) localStorage.setItem('queued.myQueue.open', '1');
  }, JSON.stringify(session));
  return context;
}

async function tab(context, hash = '#/', name = 'tab') {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${name}] page error: ${e.message}`));
  await page.goto(`${BASE}/${hash}`);
  await page.locator('#my-queue:not([hidden])').waitFor();
  return page;
}

/** The up-next titles as the panel shows them, top first. */
const upNext = (page) => page.locator('#myq-list li .t').allTextContents();
const nowTitle = (page) => page.locator('#myq-now').textContent();
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

async function waitUpNext(page, want, ms = 5000, what = 'up next') {
  await until(async () => same(await upNext(page), want), ms, `${what}: want ${JSON.stringify(want)}, have ${JSON.stringify(await upNext(page))}`);
}

/** Drags the row at index from by its handle onto the row at index to (real pointer moves). */
async function drag(page, from, to) {
  const rows = page.locator('#myq-list li');
  const handle = rows.nth(from).locator('.myq-handle');
  const h = await handle.boundingBox();
  const target = await rows.nth(to).boundingBox();
  await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
  await page.mouse.down();
  const y = to < from ? target.y + 4 : target.y + target.height - 4;
  await page.mouse.move(h.x + h.width / 2, y, { steps: 8 });
  await page.mouse.up();
}

// ---------------------------------------------------------------- devices and tabs

test('two devices of one user: a reorder (drag and drop) on one shows on the other within a second, which says so', async () => {
  const { user } = await userWithQueue(['Now A', 'One', 'Two', 'Three', 'Four']);
  const a = await device(user);
  const b = await device(user);
  try {
    const pa = await tab(a, '#/', 'A');
    const pb = await tab(b, '#/songs', 'B');
    for (const p of [pa, pb]) await waitUpNext(p, ['One', 'Two', 'Three', 'Four']);
    assert.equal(await nowTitle(pb), 'Now A');
    await drag(pa, 3, 0);
    // The device that made the change shows it at once (optimistic).
    assert.deepEqual(await upNext(pa), ['Four', 'One', 'Two', 'Three']);
    const started = Date.now();
    await waitUpNext(pb, ['Four', 'One', 'Two', 'Three'], 1000, 'the reorder on device B');
    assert.ok(Date.now() - started <= 1000, `B reordered after ${Date.now() - started} ms`);
    // B did not make that change: it says so; A did: it does not.
    await pb.locator('#myq-notice', { hasText: 'Queue updated on another device' }).waitFor({ timeout: 3000 });
    assert.equal(await pb.locator('#myq-notice').getAttribute('role'), 'status');
    assert.equal(await pa.locator('#myq-notice').textContent(), '');
    await until(async () => same(await serverTitles(user), ['Four', 'One', 'Two', 'Three']), 3000, 'the server\'s order');
    // And back the other way, with the move buttons.
    await pb.getByRole('button', { name: 'Move Four down' }).click();
    await waitUpNext(pa, ['One', 'Four', 'Two', 'Three'], 1000, 'the move on device A');
  } finally {
    await a.close();
    await b.close();
  }
});

test('two tabs of one browser stay in step, and neither calls the other "another device"', async () => {
  const { user } = await userWithQueue(['Now B', 'Red', 'Green', 'Blue']);
  const context = await device(user);
  try {
    const ta = await tab(context, '#/', 'tab A');
    const tb = await tab(context, '#/albums', 'tab B');
    for (const p of [ta, tb]) await waitUpNext(p, ['Red', 'Green', 'Blue']);
    // Keyboard: Alt+ArrowDown on a focused row moves it, focus follows it.
    await ta.getByRole('button', { name: 'Remove Red from my queue' }).focus();
    await ta.keyboard.press('Alt+ArrowDown');
    assert.deepEqual(await upNext(ta), ['Green', 'Red', 'Blue']);
    assert.equal(await ta.evaluate(() => document.activeElement?.closest('li')?.querySelector('.t')?.textContent), 'Red');
    await waitUpNext(tb, ['Green', 'Red', 'Blue'], 2000, 'tab B');
    // A change in tab B shows in tab A.
    await tb.getByRole('button', { name: 'Remove Blue from my queue' }).click();
    await waitUpNext(ta, ['Green', 'Red'], 2000, 'tab A');
    await sleep(800);
    assert.equal(await ta.locator('#myq-notice').textContent(), '', 'tab A: not another device');
    assert.equal(await tb.locator('#myq-notice').textContent(), '', 'tab B: not another device');
    await until(async () => same(await serverTitles(user), ['Green', 'Red']), 3000, 'the server');
  } finally {
    await context.close();
  }
});

test('a device that was offline catches up when it is back (a new subscription, then the queue)', async () => {
  const { user } = await userWithQueue(['Now E', 'Up', 'Down', 'Left']);
  const context = await device(user);
  try {
    const page = await tab(context, '#/', 'offline');
    await waitUpNext(page, ['Up', 'Down', 'Left']);
    const subscriptions = [];
    page.on('request', (r) => { if (r.url().includes('/me/queue/subscription')) subscriptions.push(r.url()); });
    await context.setOffline(true);
    await sleep(300);
    // Another device changes the queue twice meanwhile.
    const q = await serverQueue(user);
    const s = q.state;
    const moved = { ...s, trackIds: [s.trackIds[0], s.trackIds[3], s.trackIds[1], s.trackIds[2]] };
    assertOk(await api('PUT', '/me/queue', { token: user.accessToken, headers: { 'if-match': `"${q.revision}"` }, body: moved }));
    assertOk(await api('DELETE', '/me/queue/tracks/3', { token: user.accessToken }));
    await context.setOffline(false);
    await waitUpNext(page, ['Left', 'Up'], 5000, 'catching up');
    assert.ok(subscriptions.length >= 1, 'a new subscription URL was asked for');
  } finally {
    await context.close();
  }
});

test('a tab closed right after a change: the change is kept (sent as the page goes)', async () => {
  const { user } = await userWithQueue(['Now C', 'First', 'Second', 'Third']);
  const context = await device(user);
  try {
    const page = await tab(context, '#/', 'closing');
    await waitUpNext(page, ['First', 'Second', 'Third']);
    const before = (await serverQueue(user)).revision;
    await page.getByRole('button', { name: 'Move Third up' }).click();
    await page.close(); // well inside the 250 ms the change would have waited
    await until(async () => same(await serverTitles(user), ['First', 'Third', 'Second']), 3000, 'the change on the server');
    assert.equal((await serverQueue(user)).revision, before + 1);
  } finally {
    await context.close();
  }
});

test('a conflict: the server\'s queue wins over the change that lost', async () => {
  const { user } = await userWithQueue(['Now D', 'Alpha', 'Beta']);
  const extra = await newSong({ title: 'Added elsewhere', duration: 100 });
  const context = await device(user);
  try {
    const page = await tab(context, '#/', 'conflict');
    await waitUpNext(page, ['Alpha', 'Beta']);
    // Another device adds a song just before this tab's PUT reaches the server.
    let raced = false;
    await page.route('**/me/queue', async (route) => {
      if (route.request().method() === 'PUT' && !raced) {
        raced = true;
        assertOk(await api('POST', '/me/queue/tracks', { token: user.accessToken, body: { songIds: [extra] } }));
      }
      await route.continue();
    });
    await page.getByRole('button', { name: 'Remove Alpha from my queue' }).click();
    assert.deepEqual(await upNext(page), ['Beta']);
    await waitUpNext(page, ['Alpha', 'Beta', 'Added elsewhere'], 3000, 'the server\'s queue after the 409');
    assert.ok(raced);
    assert.deepEqual(await serverTitles(user), ['Alpha', 'Beta', 'Added elsewhere']);
  } finally {
    await context.close();
  }
});

// ---------------------------------------------------------------- from the pages, and playing

test('"Play now" and "Add to queue" from the songs, album and playlist pages', async () => {
  const user = await newUser({ fullname: 'Page User' });
  const tag = `Pq${Date.now()}`;
  const single = await newSong({ title: `${tag} Single`, duration: 180 });
  const albumId = await newAlbum({ name: `${tag} Album` });
  for (const t of ['Side A', 'Side B']) await newSong({ title: `${tag} ${t}`, duration: 150, albumId });
  const playlistId = await newPlaylist(user, `${tag} List`);
  for (const t of ['Mix 1', 'Mix 2']) await addPlaylistSong(user, playlistId, await newSong({ title: `${tag} ${t}`, duration: 120 }));
  void single;
  const context = await device(user);
  try {
    const page = await tab(context, '#/songs', 'pages');
    await page.locator('#song-q').fill(tag);
    await page.getByRole('button', { name: `Add ${tag} Single to my queue` }).click();
    await until(async () => (await nowTitle(page)) === `${tag} Single`, 3000, 'the first song added becomes current');
    await page.goto(`${BASE}/#/albums/${albumId}`);
    await page.getByRole('button', { name: `Add album ${tag} Album to my queue` }).click();
    await waitUpNext(page, [`${tag} Side A`, `${tag} Side B`], 3000, 'the album added');
    await page.goto(`${BASE}/#/playlists/${playlistId}`);
    await page.getByRole('button', { name: `Play playlist ${tag} List now` }).click();
    await until(async () => (await nowTitle(page)) === `${tag} Mix 1`, 3000, 'the playlist playing');
    await waitUpNext(page, [`${tag} Mix 2`, `${tag} Side A`, `${tag} Side B`], 3000, 'the playlist\'s rest next');
    assert.equal(await page.locator('#myq-play').getAttribute('aria-label'), 'Pause', 'this tab plays');
    const q = await serverQueue(user);
    assert.deepEqual(q.tracks.map((t) => t.title), [`${tag} Single`, `${tag} Mix 1`, `${tag} Mix 2`, `${tag} Side A`, `${tag} Side B`]);
    assert.equal(q.state.currentIndex, 1);
  } finally {
    await context.close();
  }
});

test('the player keeps time by the song\'s length and moves on when auto-play is on; stops when it is off', async () => {
  const { user } = await userWithQueue(['Short 1', 'Short 2', 'Short 3'], { duration: 2 });
  const context = await device(user);
  try {
    const page = await tab(context, '#/', 'player');
    await waitUpNext(page, ['Short 2', 'Short 3']);
    assert.equal(await page.locator('#myq-autoplay').isChecked(), true, 'auto-play is on by default');
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await until(async () => (await nowTitle(page)) === 'Short 2', 5000, 'the next song after the first ended');
    await until(async () => (await serverQueue(user)).state.currentIndex === 1, 3000, 'the server moved on');
    // Auto-play off (a preference of the account): the tab stops at the end of the song.
    await page.getByLabel('Play the next song automatically').uncheck();
    await until(async () => assertOk(await api('GET', '/me/preferences', { token: user.accessToken })).autoPlay === false, 3000, 'the preference saved');
    await until(async () => (await page.locator('#myq-play').getAttribute('aria-label')) === 'Play', 5000, 'the tab stopped');
    assert.equal(await nowTitle(page), 'Short 2');
    assert.equal((await serverQueue(user)).state.currentIndex, 1);
    assertOk(await api('PUT', '/me/preferences', { token: user.accessToken, body: { autoPlay: true, showRemoteChanges: true } }));
  } finally {
    await context.close();
  }
});

test('shuffle, repeat, previous/next and clear up next from the panel reach the server', async () => {
  const { user } = await userWithQueue(['S0', 'S1', 'S2', 'S3', 'S4', 'S5']);
  const context = await device(user);
  try {
    const page = await tab(context, '#/', 'controls');
    await waitUpNext(page, ['S1', 'S2', 'S3', 'S4', 'S5']);
    await page.getByRole('button', { name: 'Shuffle up next' }).click();
    assert.equal(await page.locator('#myq-shuffle').getAttribute('aria-pressed'), 'true');
    const shuffled = await upNext(page);
    assert.notDeepEqual(shuffled, ['S1', 'S2', 'S3', 'S4', 'S5']);
    await until(async () => (await serverQueue(user)).state.shuffle === true && same(await serverTitles(user), shuffled), 3000, 'the shuffle on the server');
    await page.getByRole('button', { name: 'Unshuffle up next' }).click();
    await waitUpNext(page, ['S1', 'S2', 'S3', 'S4', 'S5'], 1000, 'unshuffled');
    await page.getByLabel('Repeat').selectOption('all');
    await page.getByRole('button', { name: 'Previous song' }).click(); // from the first, with repeat all: the last
    assert.equal(await nowTitle(page), 'S5');
    await page.getByRole('button', { name: 'Next song' }).click();
    assert.equal(await nowTitle(page), 'S0');
    await until(async () => {
      const q = await serverQueue(user);
      return q.state.repeatMode === 'all' && q.state.currentIndex === 0 && q.state.shuffle === false;
    }, 3000, 'repeat and position on the server');
    await page.getByRole('button', { name: 'Clear up next' }).click();
    await waitUpNext(page, [], 1000, 'cleared');
    await until(async () => (await serverQueue(user)).state.trackIds.length === 1, 3000, 'cleared on the server');
  } finally {
    await context.close();
  }
});

// ---------------------------------------------------------------- accessibility and layout

test('the panel at phone size: named controls, 44 px targets, nothing wider than the screen', async () => {
  const long = `A very long title ${'that goes on '.repeat(6)}`.trim();
  const { user } = await userWithQueue(['Now playing here', long, 'Short', long, 'Another']);
  const context = await device(user, { width: 360, height: 740 });
  try {
    const page = await tab(context, '#/songs', 'phone');
    await waitUpNext(page, [long, 'Short', long, 'Another']);
    const problems = await page.evaluate(() => {
      const out = [];
      const doc = document.documentElement;
      if (doc.scrollWidth > doc.clientWidth + 1) out.push(`page scrolls sideways: ${doc.scrollWidth} > ${doc.clientWidth}`);
      const panel = document.getElementById('my-queue');
      for (const el of panel.querySelectorAll('button, input, select, a[href]')) {
        const name = el.getAttribute('aria-label') || el.textContent.trim() || el.labels?.[0]?.textContent.trim();
        if (!name) out.push(`no name: ${el.outerHTML.slice(0, 80)}`);
        const b = el.getBoundingClientRect();
        // A checkbox counts with its label (the label is what takes the tap).
        const target = el.type === 'checkbox' ? el.labels[0].getBoundingClientRect() : b;
        if (target.height < 44 - 0.5 || target.width < 44 - 0.5) out.push(`small target (${Math.round(target.width)}x${Math.round(target.height)}): ${name}`);
        if (b.right > doc.clientWidth + 0.5 || b.left < -0.5) out.push(`cut off: ${name}`);
      }
      for (const li of panel.querySelectorAll('#myq-list li')) {
        const r = li.getBoundingClientRect();
        for (const part of li.children) {
          const p = part.getBoundingClientRect();
          if (p.left < r.left - 0.5 || p.right > r.right + 0.5) out.push('a row part sticks out');
        }
      }
      return out;
    });
    assert.deepEqual(problems, []);
    // The controls a screen reader user looks for, by name.
    for (const name of ['Previous song', 'Play', 'Next song', 'Shuffle up next', 'Clear up next', `Move ${long} up`, `Move ${long} down`, `Remove ${long} from my queue`]) {
      assert.ok(await page.getByRole('button', { name, exact: true }).first().isVisible(), name);
    }
    assert.ok(await page.getByRole('combobox', { name: 'Repeat' }).isVisible());
    assert.ok(await page.getByRole('checkbox', { name: 'Play the next song automatically' }).isVisible());
    assert.ok(await page.getByRole('list', { name: 'Up next in my queue' }).isVisible());
    // The panel folds away and comes back.
    const toggle = page.locator('#myq-toggle');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.equal(await page.locator('#myq-list').isVisible(), false);
    await toggle.click();
    await page.screenshot({ path: path.join(ARTIFACTS, 'my-queue-phone.png') });
  } finally {
    await context.close();
  }
});

test('signing in through the form shows the panel with the queue; signing out takes it away', async () => {
  const { user } = await userWithQueue(['Signed now', 'Signed next']);
  const context = await browser.newContext({ bypassCSP: true });
  try {
    const page = await context.newPage();
    await page.goto(`${BASE}/#/login`);
    assert.equal(await page.locator('#my-queue').isHidden(), true);
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await until(async () => (await nowTitle(page)) === 'Signed now', 3000, 'the panel after signing in');
    await page.locator('#nav-account').click();
    await page.locator('#my-queue').waitFor({ state: 'hidden', timeout: 3000 });
  } finally {
    await context.close();
  }
});

test('no panel for someone who is not signed in', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  try {
    const page = await context.newPage();
    await page.goto(`${BASE}/#/songs`);
    await page.locator('#songs').waitFor();
    assert.equal(await page.locator('#my-queue').isHidden(), true);
    assert.equal(await page.getByRole('button', { name: /to my queue$/ }).count(), 0);
  } finally {
    await context.close();
  }
});
