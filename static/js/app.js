// app.js: the shell of the web client: a hash router (links work from a QR
// code or a chat without any server route), the account link, and helpers the
// views share. Each view is a function (main, params) -> cleanup?. The personal
// queue's panel lives outside the views: it stays put while the pages change.
import { session, isUser } from './api.js';
import { h, banner } from './ui.js';
import { roomView } from './room.js';
import * as pages from './pages.js';
import { initMyQueue } from './my-queue.js';

const routes = [
  [/^#?\/?$/, pages.home],
  [/^#\/r\/([A-Za-z0-9]{6})$/, roomView],
  [/^#\/songs$/, pages.songs],
  [/^#\/albums$/, pages.albums],
  [/^#\/albums\/([\w-]+)$/, pages.album],
  [/^#\/playlists$/, pages.playlists],
  [/^#\/playlists\/([\w-]+)$/, pages.playlist],
  [/^#\/login$/, pages.login],
  [/^#\/register$/, pages.register],
];

let cleanup = null;

// Renders never overlap: a view awaits the API, and a second hash change
// (a sign-in's redirect, then a link) would otherwise start a second render
// that fills the same <main> beside the first. Each waits for the one before,
// and only the newest wanted runs.
let rendering = Promise.resolve();
let wanted = 0;
function render() {
  const mine = ++wanted;
  rendering = rendering.then(() => (mine === wanted ? renderNow() : undefined));
  return rendering;
}

async function renderNow() {
  const main = document.getElementById('main');
  const hash = location.hash || '#/';
  // Where to come back to after signing in.
  if (!/^#\/(login|register)$/.test(hash)) sessionStorage.setItem('queued.return', hash);
  if (typeof cleanup === 'function') cleanup();
  cleanup = null;
  main.replaceChildren();
  banner(null);
  for (const a of document.querySelectorAll('.top nav a')) {
    a.toggleAttribute('aria-current', hash.startsWith(a.getAttribute('href')));
    if (a.hasAttribute('aria-current')) a.setAttribute('aria-current', 'page');
  }
  for (const [re, view] of routes) {
    const m = hash.match(re);
    if (m) {
      try {
        cleanup = await view(main, ...m.slice(1));
      } catch (e) {
        main.replaceChildren(h('div', { class: 'card' }, h('h1', {}, 'Something went wrong'), h('p', {}, e.message)));
      }
      return;
    }
  }
  main.replaceChildren(h('div', { class: 'card' }, h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Go to the start page'))));
}

function account() {
  const a = document.getElementById('nav-account');
  if (isUser()) {
    a.textContent = `${session.fullname || session.username} · Sign out`;
    a.href = '#/login';
    a.onclick = async (ev) => {
      ev.preventDefault();
      const { logout } = await import('./api.js');
      await logout();
      location.hash = '#/';
    };
  } else {
    a.textContent = 'Sign in';
    a.href = '#/login';
    a.onclick = null;
  }
}

window.addEventListener('hashchange', render);
window.addEventListener('session', account);
account();
initMyQueue();
render();
