// lifecycle.test.mjs: a room's life in the web client at phone size (360x740):
// the host makes a member host, a member leaves, the host closes the room
// (with a confirm step) and a guest's screen shows it closed at once, and the
// start page lists "Your rooms".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launchChromium, ARTIFACTS } from './browser_lib.mjs';
import { api, assertOk, newGuest, newRoom, addEntry, songIds, until } from '../integration/lib.mjs';

const BASE = process.env.QUEUED_URL;
const PHONE = { width: 360, height: 740 };
let browser;
let songs;

before(async () => { browser = await launchChromium(); songs = await songIds(); });
after(async () => { await browser?.close(); });

/** A phone screen signed in as guest who (a guest made by the test), at hash. */
async function screenOf(who, hash) {
  const context = await browser.newContext({ viewport: PHONE, bypassCSP: true });
  await context.addInitScript(([token, id, name]) => {
    localStorage.setItem('queued.session', JSON.stringify({ guestToken: token, guestId: id, guestName: name }));
  }, [who.token, who.id, who.name]);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${who.name}] page error: ${e.message}`));
  await page.goto(`${BASE}/${hash}`);
  return { context, page };
}

/** Nothing wider than the phone. */
async function assertFitsPhone(page, what) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `${what}: the page is ${width} px wide on a ${PHONE.width} px phone`);
}

async function partyRoom() {
  const host = await newGuest('Hana');
  const member = await newGuest('Milo');
  const room = await newRoom(host, 'Phone party');
  await addEntry(room.code, host, songs[0]);
  await addEntry(room.code, member, songs[1]);
  return { host, member, code: room.code };
}

test('the host makes a member the host from the people list', async () => {
  const { host, member, code } = await partyRoom();
  const { context, page } = await screenOf(host, `#/r/${code}`);
  try {
    await page.getByText('you are the host').waitFor();
    await page.getByText('People').click();
    await page.getByRole('button', { name: `Make ${member.name} the host` }).click();
    await until(async () => assertOk(await api('GET', `/rooms/${code}`)).room.host.id === member.id, 5000, 'the hand-over');
    await page.getByText('you are a co-host').waitFor({ timeout: 5000 });
    assert.equal(await page.locator('#close-room').count(), 0, 'a co-host has no "Close room"');
    await assertFitsPhone(page, 'the room after a hand-over');
    await page.screenshot({ path: path.join(ARTIFACTS, 'lifecycle-make-host-360.png'), fullPage: true });
  } finally {
    await context.close();
  }
});

test('a member leaves the room: back on the start page, no member any more, the song stays', async () => {
  const { member, code } = await partyRoom();
  const { context, page } = await screenOf(member, `#/r/${code}`);
  try {
    await page.locator('#leave-room').waitFor();
    await assertFitsPhone(page, 'the room of a member');
    await page.locator('#leave-room').click();
    await page.locator('#create-room').waitFor({ timeout: 5000 });
    const members = assertOk(await api('GET', `/rooms/${code}/members`)).members;
    assert.ok(!members.some((m) => m.id === member.id));
    assert.equal(assertOk(await api('GET', `/rooms/${code}/queue`)).entries.length, 2);
  } finally {
    await context.close();
  }
});

test('the host closes the room after confirming; a guest\'s screen shows it closed at once, with no controls', async () => {
  const { host, member, code } = await partyRoom();
  const h = await screenOf(host, `#/r/${code}`);
  const g = await screenOf(member, `#/r/${code}`);
  try {
    await g.page.locator('#queue li').first().waitFor();
    await h.page.locator('#close-room').click();
    // The first press only asks.
    await h.page.locator('#close-room-confirm').waitFor();
    assert.equal((await api('GET', `/rooms/${code}`)).status, 200, 'not closed before the confirmation');
    await assertFitsPhone(h.page, 'the close confirmation');
    await h.page.screenshot({ path: path.join(ARTIFACTS, 'lifecycle-close-confirm-360.png'), fullPage: true });
    await h.page.locator('#close-room-confirm').click();
    await g.page.getByText('This room was closed').waitFor({ timeout: 3000 });
    await h.page.getByText('This room was closed').waitFor({ timeout: 3000 });
    for (const page of [g.page, h.page]) {
      assert.equal(await page.locator('#queue, #search, #leave-room, #advance, .votes button').count(), 0, 'no controls on a closed room');
    }
    await assertFitsPhone(g.page, 'the closed notice');
    await g.page.screenshot({ path: path.join(ARTIFACTS, 'lifecycle-closed-360.png'), fullPage: true });
    assert.equal((await api('GET', `/rooms/${code}`)).status, 410);
    // Opening it afresh shows the same.
    const again = await screenOf(member, `#/r/${code}`);
    try {
      await again.page.getByText('This room was closed').waitFor({ timeout: 3000 });
    } finally {
      await again.context.close();
    }
  } finally {
    await h.context.close();
    await g.context.close();
  }
});

test('the start page lists "Your rooms" with links, and leaves out closed ones', async () => {
  const me = await newGuest('Runner');
  const friend = await newGuest('Friend');
  const mine = await newRoom(me, 'My own room');
  const theirs = await newRoom(friend, 'Co-hosted room');
  const gone = await newRoom(me, 'Closed room');
  await addEntry(theirs.code, me, songs[0]);
  assertOk(await api('POST', `/rooms/${theirs.code}/cohosts`, { token: friend.token, body: { memberId: me.id } }));
  assertOk(await api('POST', `/rooms/${gone.code}/close`, { token: me.token }));
  const { context, page } = await screenOf(me, '#/');
  try {
    await page.locator('#my-rooms').waitFor({ state: 'visible' });
    const items = await page.locator('#my-rooms-list li').allTextContents();
    assert.equal(items.length, 2, items.join(' | '));
    assert.match(items[0], /Co-hosted room.*co-host/);
    assert.match(items[1], /My own room.*host/);
    await assertFitsPhone(page, 'the start page');
    await page.screenshot({ path: path.join(ARTIFACTS, 'lifecycle-your-rooms-360.png'), fullPage: true });
    await page.getByRole('link', { name: 'My own room' }).click();
    await page.locator('#room-code').waitFor();
    assert.equal(await page.locator('#room-code').textContent(), mine.code);
  } finally {
    await context.close();
  }
  // Someone with no rooms sees no such list.
  const nobody = await newGuest('Nobody');
  const other = await screenOf(nobody, '#/');
  try {
    await other.page.locator('#create-room').waitFor();
    await other.page.waitForTimeout(300);
    assert.equal(await other.page.locator('#my-rooms').isVisible(), false);
  } finally {
    await other.context.close();
  }
});
