// mail_lib.mjs: what the SMTP sink received (DATA/mail/*.eml): the playlist
// exports' emails and their JSON attachments, for the tests that export.
import fs from 'node:fs';
import path from 'node:path';
import { DATA } from './lib.mjs';

export const MAIL = path.join(DATA, 'mail');

/** The emails (raw text) carrying the export of playlistId. */
export function mailsFor(playlistId) {
  if (!fs.existsSync(MAIL)) return [];
  return fs.readdirSync(MAIL).filter((f) => f.endsWith('.eml'))
    .map((f) => fs.readFileSync(path.join(MAIL, f), 'latin1'))
    .filter((m) => m.includes(`filename="playlist-${playlistId}.json"`));
}

/** The attachment's JSON and its declared type, from a MIME message curl built. */
export function attachment(mail, playlistId) {
  const at = mail.indexOf(`filename="playlist-${playlistId}.json"`);
  const headStart = mail.lastIndexOf('\r\n--', at);
  const headEnd = mail.indexOf('\r\n\r\n', at);
  const head = mail.slice(headStart, headEnd);
  const end = mail.indexOf('\r\n--', headEnd + 4);
  const body = mail.slice(headEnd + 4, end).replace(/\s+/g, '');
  return { head, json: JSON.parse(Buffer.from(body, 'base64').toString('utf8')) };
}
