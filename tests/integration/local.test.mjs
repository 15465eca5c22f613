// local.test.mjs: nothing local gets in. The stack's processes run as an
// unprivileged user, its sockets and directories are closed to other local
// users, and PostgreSQL lets the workers' role (not a superuser) in only with
// its password. Checked from outside, as root and as the user nobody.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { DATA } from './lib.mjs';

const root = process.getuid() === 0;
const RUN = `${DATA}/run`;

/** Runs argv as the user nobody; returns {status, out}. */
function asNobody(argv) {
  const r = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', ...argv], { encoding: 'utf8', timeout: 10000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const userOf = (pid) => {
  const uid = Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)[1]);
  return uid;
};
const children = (pid) => fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
const pidOf = (file) => Number(fs.readFileSync(`${RUN}/${file}`, 'utf8'));

test('the workers, exportd, Redis, the sink and nginx\'s workers run as an unprivileged user; only nginx\'s master is root', { skip: !root && 'needs root' }, () => {
  const workersMaster = pidOf('queued.pid');
  const app = userOf(workersMaster);
  assert.notEqual(app, 0, 'the workers run as root');
  for (const pid of children(workersMaster)) assert.equal(userOf(pid), app);
  assert.equal(userOf(pidOf('exportd.pid')), app);
  assert.equal(userOf(pidOf('redis.pid')), app);
  assert.equal(userOf(pidOf('smtp-sink.pid')), app);
  const nginx = pidOf('nginx.pid');
  assert.equal(userOf(nginx), 0, 'nginx\'s master binds as root');
  const nginxWorkers = children(nginx);
  assert.ok(nginxWorkers.length >= 1);
  for (const pid of nginxWorkers) assert.equal(userOf(pid), app, `nginx worker ${pid}`);
});

test('sockets and directories: another local user reaches none of the private ones', { skip: !root && 'needs root' }, () => {
  const mode = (p) => fs.statSync(p).mode & 0o777;
  assert.equal(mode(`${RUN}/queued.sock`) & 0o007, 0, 'queued.sock is open to others');
  assert.equal(mode(`${RUN}/nchan-pub.sock`) & 0o077, 0, 'nchan-pub.sock is open to others');
  assert.equal(mode(`${RUN}/redis.sock`) & 0o077, 0);
  assert.equal(mode(`${RUN}/pg`) & 0o007, 0, 'the PostgreSQL socket directory is open to others');
  assert.equal(mode(`${DATA}/queued.env`) & 0o077, 0, 'the env file (keys, password) is readable by others');
  // As nobody: no FastCGI, no publishing, no Redis, no PostgreSQL.
  const connect = (path) => asNobody(['node', '-e', `require('net').createConnection(${JSON.stringify(path)}).on('connect', () => { console.log('CONNECTED'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(3); })`]);
  for (const sock of ['queued.sock', 'nchan-pub.sock', 'redis.sock']) {
    const r = connect(`${RUN}/${sock}`);
    assert.notEqual(r.status, 0, `nobody connected to ${sock}`);
    assert.match(r.out, /EACCES/, sock);
  }
  const pg = asNobody(['psql', '-X', '-h', `${RUN}/pg`, '-U', 'postgres', '-d', 'postgres', '-c', 'SELECT 1']);
  assert.notEqual(pg.status, 0, `nobody reached PostgreSQL: ${pg.out}`);
  assert.equal(asNobody(['ls', RUN]).status === 0, false, 'nobody lists the run directory');
});

test('PostgreSQL: the workers\' role is no superuser, needs its password, and cannot run programs', { skip: !root && 'needs root' }, () => {
  const password = fs.readFileSync(`${DATA}/queued.env`, 'utf8').match(/^PGPASSWORD=(.*)$/m)[1];
  const psql = (sql, pw) => spawnSync('psql', ['-X', '-tA', '-h', `${RUN}/pg`, '-U', 'queued', '-d', 'queued', '-c', sql],
    { encoding: 'utf8', env: { ...process.env, PGPASSWORD: pw ?? '' } });
  const noPassword = psql('SELECT 1', '');
  assert.notEqual(noPassword.status, 0, 'the role got in without its password');
  const wrong = psql('SELECT 1', 'not-the-password');
  assert.notEqual(wrong.status, 0);
  assert.equal(psql("SELECT rolsuper FROM pg_roles WHERE rolname = 'queued'", password).stdout.trim(), 'f');
  const program = psql("COPY (SELECT 1) TO PROGRAM 'true'", password);
  assert.notEqual(program.status, 0);
  assert.match(program.stderr, /permission denied|must be superuser|privilege/i);
  // As the superuser, only through the OS user (peer): root may, by password nobody may.
  const su = spawnSync('psql', ['-X', '-tA', '-h', `${RUN}/pg`, '-U', 'postgres', '-d', 'postgres', '-c', 'SELECT 1'],
    { encoding: 'utf8', env: { ...process.env, PGPASSWORD: password } });
  assert.equal(su.stdout.trim(), '1', su.stderr);
});
