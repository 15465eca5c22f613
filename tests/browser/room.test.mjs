// room.test.mjs: the web client in a real browser (Debian's Chromium driven by
// playwright-core) against the private stack of `./dev test`: two screens in
// one room, live reordering, reconnecting after the network is cut, the host's
// double advance, layouts at phone and desktop size, and the pages around rooms.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium, ARTIFACTS } from './browser_lib.mjs';
import { api, assertOk, newGuest, newRoom, addEntry, vote, queue, until, catalogAdminToken } from '../integration/lib.mjs';
import { newUser, newSong, newAlbum } from '../integration/catalog_lib.mjs';

const BASE = process.env.QUEUED_URL;
let browser;
const hosts = new Map();
const hostOf = async (code) => hosts.get(code);

before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

/** A screen that joined room code as a guest named name (through the join form). */
async function joinAs(code, name, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport, bypassCSP: true });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${name}] page error: ${e.message}`));
  await page.goto(`${BASE}/#/r/${code}`);
  await page.getByLabel('Your name in this room').fill(name);
  await page.getByRole('button', { name: 'Join the room' }).click();
  await page.locator('#room-code').waitFor();
  return { context, page };
}

/** The titles of the queue as the page shows them, top first. */
const titles = (page) => page.locator('#queue li .t').allTextContents();

async function serverTitles(code) {
  return assertOk(await queue(code)).entries.map((e) => e.song.title);
}

async function roomWithSongs(n, hostName = 'Host') {
  const host = await newGuest(hostName);
  const room = await newRoom(host, 'Browser room');
  const entries = [];
  for (let i = 0; i < n; i++) {
    const songId = await newSong({ title: `Track ${String(i + 1).padStart(2, '0')} ${'x'.repeat(i % 3 ? 0 : 30)}`.trim(), performer: `Artist ${i + 1}`, duration: 200 + i });
    entries.push((await addEntry(room.code, host, songId)).entry);
  }
  hosts.set(room.code, host);
  return { host, code: room.code, entries };
}

test('two screens in one room: a vote on one reorders the other within a second', async () => {
  const { code, entries } = await roomWithSongs(3);
  const a = await joinAs(code, 'Ada');
  const b = await joinAs(code, 'Bob');
  try {
    await until(async () => (await titles(b.page)).length === 3, 5000, 'the queue on screen B');
    assert.deepEqual(await titles(b.page), await serverTitles(code));
    const last = entries[2].song.title;
    const started = Date.now();
    await a.page.getByRole('button', { name: `Vote up ${last}` }).click();
    // Screen A shows its own vote at once (optimistic), pressed.
    await until(async () => (await titles(a.page))[0] === last, 1000, 'the optimistic reorder on A');
    assert.equal(await a.page.getByRole('button', { name: `Vote up ${last}` }).getAttribute('aria-pressed'), 'true');
    await b.page.waitForFunction((t) => document.querySelector('#queue li .t')?.textContent === t, last, { timeout: 1000 });
    assert.ok(Date.now() - started < 1000, `B reordered after ${Date.now() - started} ms`);
    assert.equal(await b.page.locator('#queue li').first().locator('.score').textContent(), '1');
    // A refused vote is rolled back, with the server's message shown.
    assertOk(await api('PATCH', `/rooms/${code}`, { token: (await hostOf(code)).token, body: { votingMode: 'up' } }));
    await a.page.waitForFunction(() => !document.querySelector('#queue .down'), null, { timeout: 3000 });
    assert.deepEqual(await titles(b.page), await serverTitles(code));
  } finally {
    await a.context.close();
    await b.context.close();
  }
});

test('a refused vote rolls back on screen and shows why', async () => {
  const host = await newGuest('Host');
  const room = await newRoom(host);
  hosts.set(room.code, host);
  const song = await newSong({ title: 'Refusable', duration: 100 });
  await addEntry(room.code, host, song);
  const a = await joinAs(room.code, 'Ada');
  try {
    await a.page.locator('#queue li').first().waitFor();
    // Ada votes (so she is a member), then the host bans her behind her
    // screen's back: the ban takes her vote away, and her next vote is refused.
    await a.page.getByRole('button', { name: 'Vote up Refusable' }).click();
    await until(async () => assertOk(await queue(room.code)).entries[0].score === 1, 3000, 'her vote');
    const me = await a.page.evaluate(() => JSON.parse(localStorage.getItem('queued.session')).guestId);
    assertOk(await api('POST', `/rooms/${room.code}/bans`, { token: host.token, body: { memberId: me } }));
    await until(async () => (await a.page.locator('#queue li .score').first().textContent()) === '0', 3000, 'the ban on screen');
    await a.page.getByRole('button', { name: 'Vote down Refusable' }).click();
    await a.page.locator('#toast').waitFor({ state: 'visible', timeout: 3000 });
    assert.match(await a.page.locator('#toast').textContent(), /banned/);
    await until(async () => (await a.page.locator('#queue li .score').first().textContent()) === '0', 3000, 'the rollback');
    assert.equal(await a.page.getByRole('button', { name: 'Vote down Refusable' }).getAttribute('aria-pressed'), 'false');
  } finally {
    await a.context.close();
  }
});

test('a screen whose network was cut shows "reconnecting…" and catches up when it returns', async () => {
  const { code, host, entries } = await roomWithSongs(3);
  const b = await joinAs(code, 'Offline Olga');
  try {
    await until(async () => (await titles(b.page)).length === 3, 5000, 'the queue');
    await b.context.setOffline(true);
    await b.page.locator('#banner').waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await b.page.locator('#banner').textContent(), /Reconnecting/);
    // The room moves on meanwhile.
    const voters = await Promise.all([newGuest('v1'), newGuest('v2')]);
    for (const v of voters) assertOk(await vote(code, entries[2].id, v, 1));
    assertOk(await vote(code, entries[1].id, voters[0], 1));
    const extra = await newSong({ title: 'Added while offline', duration: 120 });
    await addEntry(code, host, extra);
    await b.context.setOffline(false);
    const want = await serverTitles(code);
    await until(async () => JSON.stringify(await titles(b.page)) === JSON.stringify(want), 5000, 'catching up');
    await b.page.locator('#banner').waitFor({ state: 'hidden', timeout: 5000 });
  } finally {
    await b.context.close();
  }
});

test('the host\'s double advance: two host tabs press "next" at once, the queue moves once', async () => {
  const { code, host, entries } = await roomWithSongs(4);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
  try {
    // Both tabs are the host: the host's guest token in this browser's storage.
    await context.addInitScript(([token, id, name]) => {
      localStorage.setItem('queued.session', JSON.stringify({ guestToken: token, guestId: id, guestName: name }));
    }, [host.token, host.id, host.name]);
    const [p1, p2] = [await context.newPage(), await context.newPage()];
    for (const p of [p1, p2]) {
      await p.goto(`${BASE}/#/r/${code}`);
      await p.locator('#advance').waitFor();
    }
    await p1.locator('#advance').click();
    await until(async () => assertOk(await queue(code)).nowPlaying !== null, 3000, 'the first song');
    for (const p of [p1, p2]) await p.waitForFunction(() => document.querySelector('#advance')?.textContent === 'Next song', null, { timeout: 3000 });
    const before = assertOk(await queue(code));
    // Both presses leave before either tab hears of the other's advance.
    await Promise.all([p1, p2].map((p) => p.evaluate(() => document.querySelector('#advance').click())));
    await until(async () => assertOk(await queue(code)).revision > before.revision, 3000, 'the advance');
    await new Promise((r) => setTimeout(r, 500));
    const after = assertOk(await queue(code));
    assert.equal(after.revision, before.revision + 1, 'exactly one advance');
    const history = assertOk(await api('GET', `/rooms/${code}/history`)).entries;
    assert.equal(history.length, 1);
    for (const p of [p1, p2]) {
      await p.waitForFunction((t) => document.querySelector('#now-title')?.textContent === t, after.nowPlaying.song.title, { timeout: 3000 });
    }
    void entries;
  } finally {
    await context.close();
  }
});

/** Rows must not overlap each other, their parts must not overlap, and nothing may stick out. */
async function assertCleanLayout(page) {
  const problems = await page.evaluate(() => {
    const out = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth + 1) out.push(`page scrolls sideways: ${doc.scrollWidth} > ${doc.clientWidth}`);
    // Past the right edge and not clipped (an ellipsis clips on purpose).
    const clipped = (el) => {
      for (let a = el.parentElement; a; a = a.parentElement) {
        if (['hidden', 'clip'].includes(getComputedStyle(a).overflowX)) return a.getBoundingClientRect().right <= doc.clientWidth + 0.5;
      }
      return false;
    };
    for (const el of document.querySelectorAll('main *')) {
      const b = el.getBoundingClientRect();
      if (b.width && b.right > doc.clientWidth + 0.5 && !clipped(el)) { out.push(`${el.tagName}.${el.className} ends at ${Math.round(b.right)} px`); break; }
    }
    const box = (el) => el.getBoundingClientRect();
    const overlap = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    const rows = [...document.querySelectorAll('#queue li')];
    rows.forEach((li, i) => {
      const r = box(li);
      if (i > 0 && overlap(box(rows[i - 1]), r)) out.push(`rows ${i - 1} and ${i} overlap`);
      const parts = [...li.children].map(box);
      for (let x = 0; x < parts.length; x++) {
        const p = parts[x];
        if (p.left < r.left - 0.5 || p.right > r.right + 0.5 || p.top < r.top - 0.5 || p.bottom > r.bottom + 0.5) out.push(`row ${i} part ${x} sticks out`);
        for (let y = x + 1; y < parts.length; y++) if (parts[y].width && overlap(p, parts[y])) out.push(`row ${i} parts ${x} and ${y} overlap`);
      }
      const t = li.querySelector('.t');
      if (t && t.scrollWidth > t.clientWidth + 1 && getComputedStyle(t).textOverflow !== 'ellipsis') out.push(`row ${i} title cut off`);
    });
    for (const el of document.querySelectorAll('button, input, select, h1, h2')) {
      const b = box(el);
      if (b.width && (b.right > doc.clientWidth + 1 || b.left < -1)) out.push(`${el.tagName} "${el.textContent.trim().slice(0, 20)}" is cut off`);
    }
    return out;
  });
  assert.deepEqual(problems, []);
}

test('a room with ten entries at phone and desktop size: screenshots, nothing overlapping or cut off', async () => {
  const { code, host, entries } = await roomWithSongs(10);
  const v = await newGuest('Voter');
  for (const [i, e] of entries.entries()) if (i % 3 === 0) assertOk(await vote(code, e.id, v, 1));
  assertOk(await api('POST', `/rooms/${code}/advance`, { token: host.token, body: { currentEntryId: null } }));
  for (const [name, viewport] of [['phone', { width: 360, height: 740 }], ['desktop', { width: 1280, height: 800 }]]) {
    const s = await joinAs(code, `Screen ${name}`, viewport);
    try {
      await until(async () => (await titles(s.page)).length === 9, 5000, 'nine waiting entries');
      await s.page.locator('#now-title').waitFor();
      // With search results open too: long titles must not push the page wider.
      await s.page.locator('#search').fill('Track');
      await s.page.getByRole('button', { name: /^Add Track 01/ }).first().waitFor();
      // Each result says where it comes from (GET /search): this stack has no YouTube.
      assert.match(await s.page.locator('ul.results li').first().textContent(), /Catalog · /);
      await assertCleanLayout(s.page);
      // Every control can be found by a screen reader and reached by keyboard.
      const unnamed = await s.page.evaluate(() => [...document.querySelectorAll('button, input, select, a[href]')]
        .filter((el) => !(el.getAttribute('aria-label') || el.textContent.trim() || el.labels?.length || el.getAttribute('alt')))
        .map((el) => el.outerHTML.slice(0, 80)));
      assert.deepEqual(unnamed, []);
      await s.page.keyboard.press('Tab');
      await s.page.keyboard.press('Tab');
      assert.notEqual(await s.page.evaluate(() => document.activeElement?.tagName), 'BODY');
      const file = path.join(ARTIFACTS, `room-${name}.png`);
      await s.page.screenshot({ path: file, fullPage: true });
      assert.ok(fs.statSync(file).size > 10000);
    } finally {
      await s.context.close();
    }
  }
});

test('sign in, a playlist with a song, its export by email with the job\'s state, and an album cover', async () => {
  const user = await newUser({ fullname: 'Paula Playlist' });
  const title = `Exportable ${Date.now()}`;
  await newSong({ title, duration: 180 });
  const albumId = await newAlbum({ name: 'Covered Album' });
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  const form = new FormData();
  form.append('cover', new Blob([png], { type: 'image/png' }), 'c.png');
  assert.equal((await fetch(`${BASE}/albums/${albumId}/covers`, { method: 'POST', body: form, headers: { authorization: `Bearer ${await catalogAdminToken()}` } })).status, 201);

  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, bypassCSP: true });
  const page = await context.newPage();
  try {
    await page.goto(`${BASE}/#/login`);
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForFunction(() => document.querySelector('#nav-account')?.textContent.includes('Paula Playlist'));
    await page.goto(`${BASE}/#/playlists`);
    await page.getByPlaceholder('New playlist name').fill('Road trip');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('#playlist-name').waitFor();
    await page.getByLabel('Add a song').fill(title);
    await page.getByRole('button', { name: `Add ${title}` }).click();
    await page.locator('#playlist-songs li').first().waitFor();
    await page.getByLabel('Email address').fill('paula@example.com');
    await page.getByRole('button', { name: 'Export by email' }).click();
    await page.waitForFunction(() => document.querySelector('#export-state')?.dataset.state === 'sent', null, { timeout: 15000 });
    assert.match(await page.locator('#export-state').textContent(), /sent/);

    await page.goto(`${BASE}/#/albums/${albumId}`);
    const img = page.locator('img#album-cover');
    await img.waitFor();
    assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth === 1));
  } finally {
    await context.close();
  }
});

test('the host\'s screen plays the queue and advances by itself when a song ends', async () => {
  const host = await newGuest('DJ');
  const room = await newRoom(host, 'Self-playing');
  const short = [];
  for (const t of ['Short one', 'Short two']) short.push((await addEntry(room.code, host, await newSong({ title: t, duration: 2 }))).entry);
  const context = await browser.newContext({ bypassCSP: true });
  await context.addInitScript(([token, id, name]) => {
    localStorage.setItem('queued.session', JSON.stringify({ guestToken: token, guestId: id, guestName: name }));
  }, [host.token, host.id, host.name]);
  const page = await context.newPage();
  try {
    await page.goto(`${BASE}/#/r/${room.code}`);
    await page.locator('#advance').click(); // "Start playing"
    await page.waitForFunction(() => document.querySelector('#now-title')?.textContent === 'Short one', null, { timeout: 3000 });
    assert.equal(await page.locator('#play-here').isChecked(), true, 'the host screen plays by default');
    // No video: the screen keeps time by the song's length and asks to advance at the end.
    await page.waitForFunction(() => document.querySelector('#now-title')?.textContent === 'Short two', null, { timeout: 5000 });
    await until(async () => assertOk(await queue(room.code)).nowPlaying === null, 5000, 'the end of the queue');
    const history = assertOk(await api('GET', `/rooms/${room.code}/history`)).entries;
    assert.deepEqual(history.map((e) => [e.id, e.endReason]), [[short[1].id, 'finished'], [short[0].id, 'finished']]);
  } finally {
    await context.close();
  }
});

test('the client runs under its Content-Security-Policy: no page breaks a rule (the other tests bypass it for their probes)', async () => {
  const { code } = await roomWithSongs(2);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const violations = [];
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text()); });
  page.on('pageerror', (e) => violations.push(`page error: ${e.message}`));
  try {
    const res = await page.goto(`${BASE}/`);
    assert.match(res.headers()['content-security-policy'] || '', /default-src 'self'/);
    await page.locator('#main h1, #main h2').first().waitFor();
    for (const hash of ['#/songs', '#/albums', '#/login', '#/register']) {
      await page.goto(`${BASE}/${hash}`);
      await page.locator('#main h1, #main h2').first().waitFor();
    }
    // The songs page's details (a style set by the script) and a room with its controls.
    await page.goto(`${BASE}/#/songs`);
    await page.getByRole('button', { name: 'Details' }).first().click();
    await page.locator('.details').first().waitFor();
    await page.goto(`${BASE}/#/r/${code}`);
    await page.getByLabel('Your name in this room').fill('Strict');
    await page.getByRole('button', { name: 'Join the room' }).click();
    await page.locator('#room-code').waitFor();
    await page.locator('#queue li').first().waitFor();
    assert.deepEqual(violations, []);
  } finally {
    await context.close();
  }
});
