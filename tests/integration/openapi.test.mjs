// openapi.test.mjs: docs/openapi.json against the code and the running API:
// every route of fcgi-app/router.c's table is in it (with its parameters and
// whether it takes a token), every schema in it compiles, the site serves it
// at /openapi.json, and a success and a refusal of every route
// (openapi_calls.mjs) validate against the response schema of their status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { BASE, ROOT } from './lib.mjs';
import { parseRoutes } from './hostile_lib.mjs';
import { loadDocument, openapiValidator } from './openapi_lib.mjs';
import { exerciseRoutes } from './openapi_calls.mjs';

const doc = loadDocument(ROOT);
const oa = openapiValidator(doc);
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'];
const templateOf = (pattern) => pattern.replace(/:(\w+)/g, '{$1}');
// Routes with no refusal of their own to show (anything but a malformed request).
const NEVER_REFUSED = new Set(['GET /albums']);

test('every route of the route table is in the document, with its path parameters and its security', () => {
  const routes = parseRoutes();
  assert.ok(routes.length > 50, `parsed ${routes.length} routes`);
  const missing = [];
  for (const r of routes) {
    const op = doc.paths[templateOf(r.pattern)]?.[r.method.toLowerCase()];
    if (!op) { missing.push(r.key); continue; }
    const inPath = (op.parameters || []).filter((p) => p.in === 'path').map((p) => p.name);
    assert.deepEqual(inPath.sort(), [...r.params].sort(), `${r.key}: path parameters`);
    for (const p of op.parameters || []) if (p.in === 'path') assert.equal(p.required, true, `${r.key}: ${p.name} required`);
    const needsToken = r.flags.has('ROUTE_AUTH') || r.flags.has('ROUTE_USER') || r.flags.has('ROUTE_CATALOG');
    assert.equal((op.security || []).length > 0, needsToken, `${r.key}: security ${JSON.stringify(op.security)} for flags ${[...r.flags]}`);
    if (r.flags.has('ROUTE_USER')) assert.deepEqual(op.security, [{ userToken: [] }], `${r.key}: a user's token`);
    if (r.flags.has('ROUTE_JSON')) assert.ok(op.requestBody?.content?.['application/json'], `${r.key}: takes a JSON body`);
    assert.ok(op.responses.default, `${r.key}: a default (error) response`);
    assert.ok(Object.keys(op.responses).some((s) => /^2/.test(s)), `${r.key}: a success response`);
  }
  assert.deepEqual(missing, [], 'routes missing from docs/openapi.json');
  // And nothing in the document that is neither a route nor nginx's own.
  const keys = new Set(routes.map((r) => `${r.method} ${templateOf(r.pattern)}`));
  const extra = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) {
      if (item[m] && !keys.has(`${m.toUpperCase()} ${path}`) && item[m]['x-served-by'] !== 'nginx') extra.push(`${m.toUpperCase()} ${path}`);
    }
  }
  assert.deepEqual(extra, [], 'operations in docs/openapi.json that no route answers');
});

test('the document is OpenAPI 3.1: every schema compiles, every $ref resolves, operation ids are unique', () => {
  assert.equal(doc.openapi, '3.1.0');
  assert.ok(doc.info?.title && doc.info?.version);
  assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['memberToken', 'userToken']);
  for (const s of Object.values(doc.components.securitySchemes)) assert.deepEqual([s.type, s.scheme], ['http', 'bearer']);
  const error = doc.components.schemas.Error;
  assert.deepEqual(error.properties.status.enum, ['fail', 'error']);
  const refs = [];
  const walk = (node, where) => {
    if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${where}/${i}`));
    else if (node && typeof node === 'object') {
      if (typeof node.$ref === 'string') refs.push([node.$ref, where]);
      for (const [k, v] of Object.entries(node)) walk(v, `${where}/${k}`);
    }
  };
  walk(doc, '#');
  for (const [ref, where] of refs) assert.ok(oa.at(ref)[0] !== undefined, `${where}: $ref ${ref} resolves`);
  const ids = new Set();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) {
      const op = item[m];
      if (!op) continue;
      assert.ok(!ids.has(op.operationId), `operationId ${op.operationId} is unique`);
      ids.add(op.operationId);
      for (const key of Object.keys(op.responses)) {
        const [response, pointer] = oa.at(`#/paths/${path.replace(/~/g, '~0').replace(/\//g, '~1')}/${m}/responses/${key}`);
        if (response?.content?.['application/json']) {
          const p = pointer.replace(/^#/, '');
          assert.equal(typeof oa.schemaValidator(`${p}/content/application~1json/schema`), 'function', `${m} ${path} ${key}`);
        }
      }
    }
  }
  // The errors' schema accepts the API's errors and refuses anything else.
  const v = oa.schemaValidator('/components/schemas/Error');
  assert.ok(v({ status: 'fail', message: 'x' }));
  assert.ok(v({ status: 'error', message: 'x', data: {} }));
  assert.ok(!v({ status: 'success', message: 'x' }));
  assert.ok(!v({ status: 'fail' }));
});

test('/openapi.json is served as JSON, the same document as docs/openapi.json', async () => {
  const file = fs.readFileSync(`${ROOT}/docs/openapi.json`, 'utf8');
  assert.equal(fs.readFileSync(`${ROOT}/static/openapi.json`, 'utf8'), file, 'static/openapi.json is a copy of docs/openapi.json (cp docs/openapi.json static/)');
  const res = await fetch(`${BASE}/openapi.json`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(await res.json(), doc);
});

test('a success and a refusal of every route validate against the document', async () => {
  const calls = await exerciseRoutes();
  const problems = [];
  const seen = new Map();
  for (const c of calls) {
    problems.push(...oa.check(c.method, c.path, c));
    const s = seen.get(c.key) || { ok: 0, refused: 0 };
    if (c.status < 300) s.ok++;
    if (c.status >= 400 && c.status < 500) s.refused++;
    seen.set(c.key, s);
  }
  assert.deepEqual(problems, [], 'answers that do not validate');
  const uncovered = [];
  for (const r of parseRoutes()) {
    const s = seen.get(r.key);
    if (!s?.ok) uncovered.push(`${r.key}: no success`);
    if (!s?.refused && !NEVER_REFUSED.has(r.key)) uncovered.push(`${r.key}: no refusal`);
  }
  assert.deepEqual(uncovered, [], 'routes the calls do not cover');
});

test('the validator refuses what the document does not allow', () => {
  const bad = [
    ['GET', '/rooms/ABCDEF', { status: 200, headers: new Headers({ 'content-type': 'application/json' }), json: { status: 'success', data: { room: { id: 1 } } } }],
    ['GET', '/rooms/ABCDEF', { status: 404, headers: new Headers({ 'content-type': 'application/json' }), json: { status: 'success' } }],
    ['GET', '/rooms/ABCDEF', { status: 200, headers: new Headers({ 'content-type': 'text/html' }), text: '<p>' }],
    ['GET', '/no/such/path', { status: 200, headers: new Headers(), json: {} }],
  ];
  for (const [m, p, res] of bad) assert.notDeepEqual(oa.check(m, p, res), [], `${m} ${p} ${JSON.stringify(res.json)}`);
});
