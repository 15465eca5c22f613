// ui.js: what every view uses: an element builder, the toast, the banner, and
// a wrapper for actions that may be refused.
import { ApiError } from './api.js';

/** A small element builder: h('button', {class, onclick}, 'text', child...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    // Through the CSSOM: the Content-Security-Policy (style-src 'self') refuses
    // style attributes set as markup.
    else if (k === 'style') el.style.cssText = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

let toastTimer;
/** Shows a refusal or failure for a few seconds (role=alert, so it is announced). */
export function toast(message) {
  const t = document.getElementById('toast');
  t.textContent = message instanceof ApiError || message instanceof Error ? message.message : String(message);
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 4000);
}

export function banner(text) {
  const b = document.getElementById('banner');
  b.textContent = text || '';
  b.hidden = !text;
}

/** Runs an action from a button or form: disables it meanwhile, toasts a refusal. */
export async function act(el, fn) {
  if (el) el.disabled = true;
  try { return await fn(); } catch (e) { toast(e); return undefined; } finally { if (el) el.disabled = false; }
}

export const fmtTime = (s) => (s == null ? '–' : `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`);

