// smtp-sink.mjs: a local SMTP server that accepts every message and keeps it as a
// .eml file in a directory, so `./dev up` users and the tests can see what was sent.
// Usage: node smtp-sink.mjs --port N --dir DIR [--host 127.0.0.1]
// While DIR/.hold exists, a finished message is neither kept nor acknowledged
// (the tests use this to stop a consumer mid-job); one whose client went away
// meanwhile is dropped, as a real server would.
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const dir = args.dir;
const port = Number(args.port);
const host = args.host || '127.0.0.1';
if (!dir || !port) { console.error('usage: smtp-sink.mjs --port N --dir DIR'); process.exit(2); }
fs.mkdirSync(dir, { recursive: true });
let serial = 0;

const server = net.createServer((sock) => {
  let buf = '';
  let inData = false;
  let lines = [];
  let from = '';
  let rcpt = [];
  let closed = false;
  const say = (s) => { if (!closed) sock.write(`${s}\r\n`); };
  sock.setEncoding('latin1');
  sock.on('close', () => { closed = true; });
  sock.on('error', () => { closed = true; });
  say(`220 ${host} queued smtp-sink ready`);

  const finish = (body) => {
    const hold = () => fs.existsSync(path.join(dir, '.hold'));
    const deliver = () => {
      if (hold()) { setTimeout(deliver, 50); return; }
      if (closed) return; // the client never saw our 250: the message is not ours
      const name = `${Date.now()}-${process.pid}-${++serial}.eml`;
      const text = `X-Sink-From: ${from}\r\nX-Sink-To: ${rcpt.join(', ')}\r\n${body}`;
      // Mail is private: only the stack's user reads it.
      fs.writeFileSync(path.join(dir, `${name}.part`), text, { encoding: 'latin1', mode: 0o600 });
      fs.renameSync(path.join(dir, `${name}.part`), path.join(dir, name));
      say('250 2.0.0 kept');
    };
    deliver();
  };

  sock.on('data', (chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\r\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (inData) {
        if (line === '.') {
          inData = false;
          finish(lines.join('\r\n') + '\r\n');
          lines = [];
        } else {
          lines.push(line.startsWith('..') ? line.slice(1) : line);
        }
        continue;
      }
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') { say(`250-${host}`); say('250-8BITMIME'); say('250 SIZE 10485760'); }
      else if (verb === 'HELO') say(`250 ${host}`);
      else if (verb === 'MAIL') { from = line.slice(10).trim(); rcpt = []; say('250 2.1.0 ok'); }
      else if (verb === 'RCPT') { rcpt.push(line.slice(8).trim()); say('250 2.1.5 ok'); }
      else if (verb === 'DATA') { inData = true; lines = []; say('354 end with <CRLF>.<CRLF>'); }
      else if (verb === 'RSET') { from = ''; rcpt = []; say('250 ok'); }
      else if (verb === 'NOOP') say('250 ok');
      else if (verb === 'QUIT') { say('221 bye'); sock.end(); }
      else say('502 5.5.2 not implemented');
    }
  });
});
server.listen(port, host, () => {
  if (args.pidfile) fs.writeFileSync(args.pidfile, String(process.pid));
});
const stop = () => { server.close(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
