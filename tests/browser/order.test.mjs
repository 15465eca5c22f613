// order.test.mjs: the host's "Play next", "Unpin" and "Move up"/"Move down"
// in a real browser at phone size (360x740), with a guest's screen beside it:
// the guest sees the pinned entry on top, marked, and every reorder within a
// beat; the guest has no such controls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { launchChromium, ARTIFACTS } from './browser_lib.mjs';
import { api, assertOk, newGuest, newRoom, addEntry, vote, queue, until } from '../integration/lib.mjs';
import { newSong } from '../integration/catalog_lib.mjs';

const BASE = process.env.QUEUED_URL;
const PHONE = { width: 360, height: 740 };
let browser;

before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

/** A phone screen of room code for who (a guest token in the browser's storage). */
async function screenOf(code, who) {
  const context = await browser.newContext({ viewport: PHONE, bypassCSP: true });
  await context.addInitScript(([token, id, name]) => {
    localStorage.setItem('queued.session', JSON.stringify({ guestToken: token, guestId: id, guestName: name }));
  }, [who.token, who.id, who.name]);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${who.name}] page error: ${e.message}`));
  await page.goto(`${BASE}/#/r/${code}`);
  await page.locator('#room-code').waitFor();
  return { context, page };
}

/** Up next as the page shows it: [entry id, pinned?] top first. */
const shown = (page) => page.locator('#queue li').evaluateAll((lis) =>
  lis.map((li) => [Number(li.dataset.id), li.classList.contains('pinned')]));
const serverOrder = async (code) => assertOk(await queue(code)).entries.map((e) => [e.id, e.pinned != null]);

/** Waits until the page shows exactly want (within ms: "a beat"). */
async function shows(page, want, ms, what) {
  await until(async () => JSON.stringify(await shown(page)) === JSON.stringify(want), ms, what);
}

test('at phone size the host pins, moves and unpins entries; the guest sees each change at once and has no such controls', async () => {
  const host = await newGuest('Host');
  const guest = await newGuest('Guest');
  const { code } = await newRoom(host, 'Order room');
  const ids = [];
  for (let i = 1; i <= 4; i++) {
    ids.push((await addEntry(code, host, await newSong({ title: `Song ${i}`, performer: `Band ${i}`, duration: 200 }))).entry.id);
  }
  assertOk(await vote(code, ids[0], guest, 1)); // score order: 1, 2, 3, 4
  const [s1, s2, s3, s4] = ids;
  const h = await screenOf(code, host);
  const g = await screenOf(code, guest);
  try {
    await shows(h.page, [[s1, false], [s2, false], [s3, false], [s4, false]], 5000, 'the host\'s queue');
    await shows(g.page, [[s1, false], [s2, false], [s3, false], [s4, false]], 5000, 'the guest\'s queue');
    // The guest sees no order controls at all.
    for (const cls of ['pin', 'unpin', 'move-up', 'move-down']) assert.equal(await g.page.locator(`#queue button.${cls}`).count(), 0, cls);

    // Play next: Song 3 goes on top on both screens, marked.
    await h.page.getByRole('button', { name: 'Play Song 3 next' }).click();
    await shows(h.page, [[s3, true], [s1, false], [s2, false], [s4, false]], 300, 'the optimistic pin on the host');
    const started = Date.now();
    await shows(g.page, [[s3, true], [s1, false], [s2, false], [s4, false]], 1500, 'the pin on the guest');
    assert.ok(Date.now() - started < 1500);
    const top = g.page.locator('#queue li').first();
    assert.equal(await top.locator('.tag.pin').count(), 1, 'a visible badge');
    assert.match(await top.locator('.tag.pin').textContent(), /Pinned by the host.*Next/);
    assert.deepEqual(await serverOrder(code), [[s3, true], [s1, false], [s2, false], [s4, false]]);
    await h.page.screenshot({ path: path.join(ARTIFACTS, 'order-host-phone.png'), fullPage: true });
    await g.page.screenshot({ path: path.join(ARTIFACTS, 'order-guest-phone.png'), fullPage: true });

    // Move Song 4 up one place: it lands at index 2, the entries ahead of it pinned.
    await h.page.getByRole('button', { name: 'Move Song 4 up' }).click();
    const moved = [[s3, true], [s1, true], [s4, true], [s2, false]];
    await shows(h.page, moved, 300, 'the optimistic move on the host');
    await shows(g.page, moved, 1500, 'the move up on the guest');
    // Move Song 3 down: it swaps with Song 1.
    await h.page.getByRole('button', { name: 'Move Song 3 down' }).click();
    await shows(g.page, [[s1, true], [s3, true], [s4, true], [s2, false]], 1500, 'the move down on the guest');
    assert.deepEqual(await serverOrder(code), [[s1, true], [s3, true], [s4, true], [s2, false]]);
    // No "Move up" on the first entry, no "Move down" on the last.
    assert.equal(await h.page.getByRole('button', { name: 'Move Song 1 up' }).count(), 0);
    assert.equal(await h.page.getByRole('button', { name: 'Move Song 2 down' }).count(), 0);

    // Unpin them all: back to score order on both screens.
    for (const t of ['Song 4', 'Song 3', 'Song 1']) await h.page.getByRole('button', { name: `Unpin ${t}` }).click();
    const scoreOrder = [[s1, false], [s2, false], [s3, false], [s4, false]];
    await shows(g.page, scoreOrder, 1500, 'score order on the guest');
    await shows(h.page, scoreOrder, 1500, 'score order on the host');
    assert.deepEqual(await serverOrder(code), scoreOrder);
  } finally {
    await h.context.close();
    await g.context.close();
  }
});

test('a refused pin is rolled back on the screen and says why', async () => {
  const host = await newGuest('Host');
  const { code } = await newRoom(host, 'Refusals');
  const a = (await addEntry(code, host, await newSong({ title: 'Alpha', duration: 200 }))).entry.id;
  const b = (await addEntry(code, host, await newSong({ title: 'Beta', duration: 200 }))).entry.id;
  const h = await screenOf(code, host);
  try {
    await shows(h.page, [[a, false], [b, false]], 5000, 'the queue');
    // The entry is removed on the server before the press reaches it: 409, nothing pinned on screen.
    await h.page.route('**/queue/*/pin', async (route) => {
      assertOk(await api('DELETE', `/rooms/${code}/queue/${b}`, { token: host.token }));
      await route.continue();
    });
    await h.page.getByRole('button', { name: 'Play Beta next' }).click();
    await h.page.locator('#toast').waitFor({ state: 'visible', timeout: 3000 });
    assert.match(await h.page.locator('#toast').textContent(), /removed/);
    await shows(h.page, [[a, false]], 3000, 'the rollback and the removal');
  } finally {
    await h.context.close();
  }
});
