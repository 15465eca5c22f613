// openapi_lib.mjs: docs/openapi.json as a validator of real answers: finds the
// operation of a method and a concrete path, the response of a status (else
// `default`), and checks the body against its JSON schema (Ajv, draft 2020-12,
// the dialect of OpenAPI 3.1). Used by openapi.test.mjs.
import fs from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';

/** A JSON pointer's parts, unescaped. */
const parts = (pointer) => pointer.replace(/^#\/?/, '').split('/').filter((p) => p !== '').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
const escape = (p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1');

export function loadDocument(root) {
  return JSON.parse(fs.readFileSync(`${root}/docs/openapi.json`, 'utf8'));
}

export function openapiValidator(doc) {
  // strict off: the document is an OpenAPI object, not a schema, at its top;
  // formats (date-time, uri) are descriptions here, not checks.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(doc, 'openapi.json');
  const compiled = new Map();

  /** The object at pointer, following $refs; returns [object, its pointer]. */
  const at = (pointer) => {
    let node = doc;
    for (const p of parts(pointer)) {
      if (node === undefined) return [undefined, pointer];
      node = node[p];
    }
    if (node && typeof node.$ref === 'string' && node.$ref.startsWith('#/')) return at(node.$ref);
    return [node, pointer];
  };

  const templates = Object.keys(doc.paths).map((t) => ({
    template: t,
    re: new RegExp(`^${t.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`),
    literal: t.replace(/\{\w+\}/g, '').length,
  })).sort((a, b) => b.literal - a.literal); // /users/me before /users/{id}

  /** The path template of a concrete path (query and one trailing slash ignored). */
  function template(path) {
    let p = path.split('?')[0];
    if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
    return templates.find((t) => t.re.test(p))?.template;
  }

  function schemaValidator(pointer) {
    if (!compiled.has(pointer)) compiled.set(pointer, ajv.getSchema(`openapi.json#${pointer}`) || ajv.compile({ $ref: `openapi.json#${pointer}` }));
    return compiled.get(pointer);
  }

  /**
   * Problems of one answer ([] when it validates). res: {status, headers
   * (a Headers or a plain object), json, text}.
   */
  function check(method, path, res) {
    const t = template(path);
    if (!t) return [`${method} ${path}: no path of the document matches`];
    const opPointer = `#/paths/${escape(t)}/${method.toLowerCase()}`;
    const [op] = at(opPointer);
    if (!op) return [`${method} ${t}: no such operation in the document`];
    const status = String(res.status);
    const key = op.responses[status] ? status : 'default';
    const [response, responsePointer] = at(`${opPointer}/responses/${key}`);
    if (!response) return [`${method} ${t}: no response ${status} and no default`];
    const type = (typeof res.headers.get === 'function' ? res.headers.get('content-type') : res.headers['content-type']) || '';
    const contents = response.content || {};
    if (!Object.keys(contents).length) {
      return res.text ? [`${method} ${t} ${status}: a body where the document has none`] : [];
    }
    const media = Object.keys(contents).find((m) => type.split(';')[0].trim() === m);
    if (!media) return [`${method} ${t} ${status}: Content-Type ${type}, the document says ${Object.keys(contents).join(', ')}`];
    if (media !== 'application/json') return [];
    if (res.json === undefined) return [`${method} ${t} ${status}: not JSON: ${String(res.text).slice(0, 80)}`];
    const validate = schemaValidator(`/${parts(responsePointer).map(escape).join('/')}/content/application~1json/schema`);
    if (validate(res.json)) return [];
    return validate.errors.map((e) => `${method} ${t} ${status}: ${e.instancePath || '(body)'} ${e.message} ${JSON.stringify(e.params)}`);
  }

  return { check, template, at, schemaValidator };
}
