// members.test.mjs: the members' controls of the web client at phone size
// (360x740): the PIN asked when joining a room that has one (a wrong PIN
// said in the form, "Just watch" without one), the host's settings for the
// PIN and the replay cooldown, and "Rename" for one's own name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launchChromium, ARTIFACTS } from './browser_lib.mjs';
import { api, assertOk, assertFail, newGuest, newRoom, addEntry, queue, until } from '../integration/lib.mjs';
import { newSong } from '../integration/catalog_lib.mjs';

const BASE = process.env.QUEUED_URL;
const PHONE = { width: 360, height: 740 };
let browser;

before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

/** A phone with the guest's token in its storage (or none: the join form asks a name). */
async function phone(who) {
  const context = await browser.newContext({ viewport: PHONE, bypassCSP: true });
  if (who) {
    await context.addInitScript(([token, id, name]) => {
      localStorage.setItem('queued.session', JSON.stringify({ guestToken: token, guestId: id, guestName: name }));
    }, [who.token, who.id, who.name]);
  }
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  return { context, page };
}

/** Nothing wider than the phone's screen. */
async function assertFits(page) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 360, `the page is ${wide} px wide`);
}

async function pinRoom(pin) {
  const host = await newGuest('Pin host');
  const room = await newRoom(host, 'Private party');
  await addEntry(room.code, host, await newSong({ title: 'Waiting song', duration: 200 }));
  assertOk(await api('PATCH', `/rooms/${room.code}`, { token: host.token, body: { pin } }));
  return { host, code: room.code };
}

test('joining a room with a PIN: the form asks for it, says a wrong one, and the right one lets the guest add', async () => {
  const { code } = await pinRoom('2580');
  const title = `Pin song ${Date.now()}`;
  await newSong({ title, duration: 150 });
  const s = await phone(null);
  try {
    await s.page.goto(`${BASE}/#/r/${code}`);
    await s.page.getByLabel('Your name in this room').fill('Pia');
    await s.page.getByRole('button', { name: 'Join the room' }).click();
    await s.page.locator('#pin-form').waitFor();
    await s.page.locator('#room-pin').fill('1111');
    await s.page.getByRole('button', { name: 'Join the room' }).click();
    await s.page.waitForFunction(() => document.querySelector('#pin-error')?.textContent.includes('Wrong PIN'), null, { timeout: 3000 });
    await assertFits(s.page);
    await s.page.screenshot({ path: path.join(ARTIFACTS, 'members-pin-phone.png'), fullPage: true });
    await s.page.locator('#room-pin').fill('2580');
    await s.page.getByRole('button', { name: 'Join the room' }).click();
    await s.page.locator('#room-code').waitFor();
    await s.page.locator('#search').fill(title);
    await s.page.getByRole('button', { name: `Add ${title}` }).click();
    await until(async () => assertOk(await queue(code)).entries.some((e) => e.song.title === title && e.addedBy.name === 'Pia'), 5000, 'the add');
    // Back later: a member is not asked again.
    await s.page.goto(`${BASE}/#/`);
    await s.page.goto(`${BASE}/#/r/${code}`);
    await s.page.locator('#room-code').waitFor();
    assert.equal(await s.page.locator('#pin-form').count(), 0);
  } finally {
    await s.context.close();
  }
});

test('"Just watch" in a room with a PIN shows the queue; an add is refused with the reason', async () => {
  const { code } = await pinRoom('9999');
  const s = await phone(await newGuest('Watcher'));
  try {
    await s.page.goto(`${BASE}/#/r/${code}`);
    await s.page.locator('#pin-watch').click();
    await s.page.locator('#room-code').waitFor();
    await s.page.waitForFunction(() => document.querySelector('#queue li .t')?.textContent === 'Waiting song', null, { timeout: 5000 });
    await s.page.getByRole('button', { name: 'Vote up Waiting song' }).click();
    await s.page.getByText(/this room has a PIN/).waitFor({ timeout: 3000 });
    await assertFits(s.page);
  } finally {
    await s.context.close();
  }
});

test('the host sets a PIN and a replay cooldown in the settings form, and removes the PIN', async () => {
  const host = await newGuest('Settings host');
  const { code } = await newRoom(host, 'Settings room');
  const s = await phone(host);
  try {
    await s.page.goto(`${BASE}/#/r/${code}`);
    await s.page.getByText('Room settings').click();
    await s.page.locator('#s-pin').fill('4455');
    await s.page.locator('#s-cooldown').fill('45');
    await assertFits(s.page);
    await s.page.screenshot({ path: path.join(ARTIFACTS, 'members-settings-phone.png'), fullPage: true });
    await s.page.getByRole('button', { name: 'Save settings' }).click();
    await until(async () => {
      const st = assertOk(await api('GET', `/rooms/${code}`)).room.settings;
      return st.hasPin && st.replayCooldownMinutes === 45;
    }, 5000, 'the settings saved');
    // The form now says a PIN is set and offers to remove it.
    await s.page.locator('#s-pin-remove').waitFor({ state: 'attached', timeout: 5000 });
    if (!await s.page.locator('#s-pin-remove').isVisible()) await s.page.getByText('Room settings').click();
    await s.page.locator('#s-pin-remove').check();
    await s.page.getByRole('button', { name: 'Save settings' }).click();
    await until(async () => !assertOk(await api('GET', `/rooms/${code}`)).room.settings.hasPin, 5000, 'the PIN removed');
    assert.equal(assertOk(await api('GET', `/rooms/${code}`)).room.settings.replayCooldownMinutes, 45);
  } finally {
    await s.context.close();
  }
});

test('"Rename": a member changes their name; their entries show it on another screen at once', async () => {
  const host = await newGuest('Rename host');
  const { code } = await newRoom(host, 'Rename room');
  const g = await newGuest('Old Me');
  await addEntry(code, g, await newSong({ title: 'My tune', duration: 180 }));
  const mine = await phone(g);
  const other = await phone(host);
  try {
    await other.page.goto(`${BASE}/#/r/${code}`);
    await other.page.waitForFunction(() => document.querySelector('#queue li .m')?.textContent.includes('added by Old Me'), null, { timeout: 5000 });
    await mine.page.goto(`${BASE}/#/r/${code}`);
    await mine.page.locator('#rename').click();
    await mine.page.locator('#rename-input').fill('  New Me  ');
    await assertFits(mine.page);
    await mine.page.screenshot({ path: path.join(ARTIFACTS, 'members-rename-phone.png'), fullPage: true });
    await mine.page.locator('#rename-form button[type=submit]').click();
    await mine.page.waitForFunction(() => document.querySelector('#my-name')?.textContent === 'New Me', null, { timeout: 3000 });
    await other.page.waitForFunction(() => document.querySelector('#queue li .m')?.textContent.includes('added by New Me'), null, { timeout: 3000 });
    // A name another member has gets a suffix, and the screen says which.
    await mine.page.locator('#rename').click();
    await mine.page.locator('#rename-input').fill('rename HOST');
    await mine.page.locator('#rename-form button[type=submit]').click();
    await mine.page.waitForFunction(() => document.querySelector('#my-name')?.textContent === 'rename HOST 2', null, { timeout: 3000 });
    // An empty name is refused with the reason.
    await mine.page.locator('#rename').click();
    await mine.page.locator('#rename-input').fill('   ');
    await mine.page.locator('#rename-form').evaluate((f) => f.requestSubmit());
    await mine.page.getByText(/"name" must be 1 to 40 characters/).waitFor({ timeout: 3000 });
  } finally {
    await mine.context.close();
    await other.context.close();
  }
});

test('the host hides the queue: a member\'s screen keeps following it live; a newcomer must give the PIN (no "Just watch")', async () => {
  const host = await newGuest('Hiding host');
  const { code } = await newRoom(host, 'Hidden party');
  const member = await newGuest('Insider');
  await addEntry(code, member, await newSong({ title: 'Before hiding', duration: 200 }));
  const h = await phone(host);
  const m = await phone(member);
  const n = await phone(await newGuest('Newcomer'));
  try {
    await m.page.goto(`${BASE}/#/r/${code}`);
    await m.page.waitForFunction(() => document.querySelector('#queue li .t')?.textContent === 'Before hiding', null, { timeout: 5000 });
    await h.page.goto(`${BASE}/#/r/${code}`);
    await h.page.getByText('Room settings').click();
    await h.page.locator('#s-pin').fill('8642');
    await h.page.locator('#s-hide').check();
    await assertFits(h.page);
    await h.page.screenshot({ path: path.join(ARTIFACTS, 'members-hide-phone.png'), fullPage: true });
    await h.page.getByRole('button', { name: 'Save settings' }).click();
    await until(async () => assertOk(await api('GET', `/rooms/${code}`)).room.settings.hideQueue, 5000, 'the queue hidden');
    assertFail(await queue(code), 403);
    // The member's screen was dropped with everyone else's, and comes back as a member.
    await addEntry(code, host, await newSong({ title: 'After hiding', duration: 200 }));
    await m.page.waitForFunction(() => [...document.querySelectorAll('#queue li .t')].some((t) => t.textContent === 'After hiding'), null, { timeout: 10000 });
    // A newcomer is asked the PIN, and cannot just watch.
    await n.page.goto(`${BASE}/#/r/${code}`);
    await n.page.locator('#pin-form').waitFor();
    assert.equal(await n.page.locator('#pin-watch').count(), 0);
    await n.page.locator('#room-pin').fill('8642');
    await n.page.getByRole('button', { name: 'Join the room' }).click();
    await n.page.waitForFunction(() => [...document.querySelectorAll('#queue li .t')].some((t) => t.textContent === 'After hiding'), null, { timeout: 10000 });
    await assertFits(n.page);
  } finally {
    for (const s of [h, m, n]) await s.context.close();
  }
});
