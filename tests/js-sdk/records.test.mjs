// Records API through the SDK: CRUD, lists (paging, skipTotal, getFullList,
// getFirstListItem), sort, filter operators, pb.filter placeholders, expand,
// fields, record JSON shape/encodings and validation errors.
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, client, adminClient, expectError, assertEnvelope, rawFetch, DATETIME_RE, ID_RE,
} from './harness.mjs';

const OPEN = { listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '' };

let srv;
let su; // superuser client
let guest; // guest client (all test collections have open rules)
const ids = {};
const cols = {};

before(async () => {
  srv = await startServer();
  su = await adminClient(srv.url);
  guest = client(srv.url);

  cols.countries = await su.collections.create({ name: 'countries', type: 'base', ...OPEN, fields: [{ name: 'name', type: 'text' }] });
  cols.authors = await su.collections.create({
    name: 'authors', type: 'base', ...OPEN,
    fields: [
      { name: 'name', type: 'text' },
      { name: 'country', type: 'relation', collectionId: cols.countries.id, maxSelect: 1 },
    ],
  });
  cols.tags = await su.collections.create({ name: 'tags', type: 'base', ...OPEN, fields: [{ name: 'name', type: 'text' }] });
  cols.posts = await su.collections.create({
    name: 'posts', type: 'base', ...OPEN,
    fields: [
      { name: 'title', type: 'text' },
      { name: 'body', type: 'editor' },
      { name: 'labels', type: 'select', values: ['a', 'b', 'c', 'd'], maxSelect: 4 },
      { name: 'author', type: 'relation', collectionId: cols.authors.id, maxSelect: 1 },
      { name: 'tags', type: 'relation', collectionId: cols.tags.id, maxSelect: 10 },
    ],
  });
  cols.kitchen = await su.collections.create({
    name: 'kitchen', type: 'base', ...OPEN,
    fields: [
      { name: 'title', type: 'text' },
      { name: 'views', type: 'number' },
      { name: 'published', type: 'bool' },
      { name: 'contact', type: 'email' },
      { name: 'site', type: 'url' },
      { name: 'body', type: 'editor' },
      { name: 'pubdate', type: 'date' },
      { name: 'status', type: 'select', values: ['draft', 'published', 'archived'], maxSelect: 1 },
      { name: 'labels', type: 'select', values: ['a', 'b', 'c', 'd'], maxSelect: 4 },
      { name: 'meta', type: 'json' },
      { name: 'author', type: 'relation', collectionId: cols.authors.id, maxSelect: 1 },
      { name: 'tags', type: 'relation', collectionId: cols.tags.id, maxSelect: 10 },
      { name: 'attachment', type: 'file', maxSelect: 1 },
      { name: 'docs', type: 'file', maxSelect: 3 },
      { name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
      { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
    ],
  });
  cols.items = await su.collections.create({
    name: 'items', type: 'base', ...OPEN,
    fields: [
      { name: 'n', type: 'number' },
      { name: 'name', type: 'text' },
      { name: 'grp', type: 'select', values: ['x', 'y'], maxSelect: 1 },
    ],
  });
  cols.quotes = await su.collections.create({ name: 'quotes', type: 'base', ...OPEN, fields: [{ name: 'title', type: 'text' }] });
  cols.strict = await su.collections.create({
    name: 'strict', type: 'base', ...OPEN,
    fields: [
      { name: 'title', type: 'text', required: true, min: 3, max: 10 },
      { name: 'n', type: 'number', min: 1, max: 10 },
      { name: 'kind', type: 'select', values: ['a', 'b'], maxSelect: 1 },
      { name: 'kinds', type: 'select', values: ['a', 'b', 'c'], maxSelect: 2 },
      { name: 'mail', type: 'email' },
      { name: 'ref', type: 'relation', collectionId: cols.tags.id, maxSelect: 1 },
    ],
  });

  // relational fixture
  ids.norway = (await su.collection('countries').create({ name: 'Norway' })).id;
  ids.alice = (await su.collection('authors').create({ name: 'Alice', country: ids.norway })).id;
  ids.bob = (await su.collection('authors').create({ name: 'Bob' })).id;
  ids.t1 = (await su.collection('tags').create({ name: 't1' })).id;
  ids.t2 = (await su.collection('tags').create({ name: 't2' })).id;
  ids.t3 = (await su.collection('tags').create({ name: 't3' })).id;
  ids.p1 = (await su.collection('posts').create({
    title: 'p1', body: '<p>Abcdefghijklmnop <b>qrst</b></p>', labels: ['a', 'b'], author: ids.alice, tags: [ids.t1, ids.t2],
  })).id;
  ids.p2 = (await su.collection('posts').create({ title: 'p2', labels: ['b', 'c'], author: ids.bob, tags: [ids.t2] })).id;
  ids.p3 = (await su.collection('posts').create({ title: 'p3', labels: ['a'], author: ids.alice, tags: [ids.t3] })).id;
  ids.p4 = (await su.collection('posts').create({ title: 'p4', labels: [], tags: [] })).id;

  // 25 items: n = 1..25, name item-01.., grp x for odd / y for even
  for (let n = 1; n <= 25; n++) {
    await su.collection('items').create({ n, name: 'item-' + String(n).padStart(2, '0'), grp: n % 2 ? 'x' : 'y' });
  }

  for (const t of ["O'Brien", 'say "hi"', 'plain', "x' || '1'='1", '100% sure', 'a_b', 'axb']) {
    await su.collection('quotes').create({ title: t });
  }
});

after(async () => {
  await srv?.stop();
});

const sorted = (a) => [...a].sort();
const titles = (items) => sorted(items.map((r) => r.title));

describe('CRUD', () => {
  test('create returns the record; getOne returns the same', async () => {
    const r = await guest.collection('kitchen').create({ title: 'first', views: 2 });
    assert.match(r.id, ID_RE);
    assert.equal(r.collectionId, cols.kitchen.id);
    assert.equal(r.collectionName, 'kitchen');
    assert.equal(r.title, 'first');
    const g = await guest.collection('kitchen').getOne(r.id);
    assert.deepEqual(g, r);
    const byId = await guest.collection(cols.kitchen.id).getOne(r.id);
    assert.deepEqual(byId, r);
  });

  test('create with a client-chosen id', async () => {
    const id = 'abcdefghij12345';
    const r = await su.collection('kitchen').create({ id, title: 'custom id' });
    assert.equal(r.id, id);
    await expectError(su.collection('kitchen').create({ id, title: 'dup' }), 400);
  });

  test('update (PATCH) changes only the sent fields; updated autodate moves, created does not', async () => {
    const r = await guest.collection('kitchen').create({ title: 'before', views: 10, published: true });
    await new Promise((res) => setTimeout(res, 20));
    const u = await guest.collection('kitchen').update(r.id, { title: 'after' });
    assert.equal(u.id, r.id);
    assert.equal(u.title, 'after');
    assert.equal(u.views, 10);
    assert.equal(u.published, true);
    assert.equal(u.created, r.created);
    assert.match(u.updated, DATETIME_RE);
    assert.ok(u.updated > r.updated, `updated ${u.updated} should be > ${r.updated}`);
    assert.deepEqual(await guest.collection('kitchen').getOne(r.id), u);
  });

  test('autodate values sent by the client are ignored', async () => {
    const r = await guest.collection('kitchen').create({ title: 'ad', created: '2001-01-01 00:00:00.000Z' });
    assert.notEqual(r.created, '2001-01-01 00:00:00.000Z');
    assert.match(r.created, DATETIME_RE);
  });

  test('number +/- modifiers and select/relation append/remove modifiers', async () => {
    const r = await guest.collection('kitchen').create({ title: 'mod', views: 10, labels: ['a'], tags: [ids.t1] });
    const u1 = await guest.collection('kitchen').update(r.id, { 'views+': 5, 'labels+': 'c', 'tags+': [ids.t2] });
    assert.equal(u1.views, 15);
    assert.deepEqual(u1.labels, ['a', 'c']);
    assert.deepEqual(u1.tags, [ids.t1, ids.t2]);
    const u2 = await guest.collection('kitchen').update(r.id, { 'views-': 20, 'labels-': ['a'], 'tags-': ids.t1 });
    assert.equal(u2.views, -5);
    assert.deepEqual(u2.labels, ['c']);
    assert.deepEqual(u2.tags, [ids.t2]);
  });

  test('delete returns true; afterwards getOne/update/delete give 404', async () => {
    const r = await guest.collection('kitchen').create({ title: 'doomed' });
    assert.equal(await guest.collection('kitchen').delete(r.id), true);
    const e = await expectError(guest.collection('kitchen').getOne(r.id), 404);
    assertEnvelope(e, 404);
    await expectError(guest.collection('kitchen').update(r.id, { title: 'x' }), 404);
    await expectError(guest.collection('kitchen').delete(r.id), 404);
  });

  test('unknown collection gives 404', async () => {
    const e = await expectError(guest.collection('nope_nope').getList(1, 1), 404);
    assertEnvelope(e, 404);
    await expectError(guest.collection('nope_nope').create({}), 404);
  });
});

describe('record JSON shape', () => {
  test('defaults of every field type, sorted keys, no expand key', async () => {
    const r = await guest.collection('kitchen').create({});
    const expectedKeys = [
      'attachment', 'author', 'body', 'collectionId', 'collectionName', 'contact', 'created', 'docs', 'id', 'labels',
      'meta', 'pubdate', 'published', 'site', 'status', 'tags', 'title', 'updated', 'views',
    ];
    assert.deepEqual(sorted(Object.keys(r)), expectedKeys);
    assert.deepEqual(Object.keys(r), expectedKeys, 'record keys are serialised alphabetically');
    assert.equal(r.title, '');
    assert.equal(r.views, 0);
    assert.equal(r.published, false);
    assert.equal(r.contact, '');
    assert.equal(r.site, '');
    assert.equal(r.body, '');
    assert.equal(r.pubdate, '');
    assert.equal(r.status, '');
    assert.deepEqual(r.labels, []);
    assert.equal(r.meta, null);
    assert.equal(r.author, '');
    assert.deepEqual(r.tags, []);
    assert.equal(r.attachment, '');
    assert.deepEqual(r.docs, []);
    assert.match(r.created, DATETIME_RE);
    assert.match(r.updated, DATETIME_RE);
    assert.ok(!('expand' in r));

    // raw wire: JSON content type
    const raw = await rawFetch(srv.url, `/api/collections/kitchen/records/${r.id}`);
    assert.equal(raw.status, 200);
    assert.match(raw.headers.get('content-type') || '', /^application\/json/);
    assert.deepEqual(raw.json, r);
  });

  test('value encodings of every field type', async () => {
    const r = await guest.collection('kitchen').create({
      title: 'Full',
      views: 12.5,
      published: true,
      contact: 'x@example.com',
      site: 'https://example.com/a?b=c',
      body: '<p>hi</p>',
      pubdate: '2024-01-02 03:04:05.678Z',
      status: 'published',
      labels: ['a', 'c'],
      meta: { a: 1, b: [1, 2, { c: null }], s: 'x' },
      author: ids.alice,
      tags: [ids.t1, ids.t3],
    });
    assert.equal(r.title, 'Full');
    assert.equal(r.views, 12.5);
    assert.equal(r.published, true);
    assert.equal(r.contact, 'x@example.com');
    assert.equal(r.site, 'https://example.com/a?b=c');
    assert.equal(r.body, '<p>hi</p>');
    assert.equal(r.pubdate, '2024-01-02 03:04:05.678Z');
    assert.equal(r.status, 'published');
    assert.deepEqual(r.labels, ['a', 'c']);
    assert.deepEqual(r.meta, { a: 1, b: [1, 2, { c: null }], s: 'x' });
    assert.equal(r.author, ids.alice);
    assert.deepEqual(r.tags, [ids.t1, ids.t3]);
    assert.deepEqual(await guest.collection('kitchen').getOne(r.id), r);
  });

  test('integral numbers are JSON numbers; json scalars/arrays round-trip raw', async () => {
    const r = await guest.collection('kitchen').create({ views: 7, meta: [1, 'two', true] });
    assert.strictEqual(r.views, 7);
    assert.deepEqual(r.meta, [1, 'two', true]);
    const r2 = await guest.collection('kitchen').create({ meta: 42 });
    assert.strictEqual(r2.meta, 42);
    const r3 = await guest.collection('kitchen').create({ meta: 'not json' });
    assert.strictEqual(r3.meta, 'not json');
  });

  test('dates: RFC3339 input is normalised to "YYYY-MM-DD HH:MM:SS.mmmZ"', async () => {
    const r = await guest.collection('kitchen').create({ pubdate: '2024-05-06T07:08:09Z' });
    assert.equal(r.pubdate, '2024-05-06 07:08:09.000Z');
  });

  test('multi select is de-duplicated; single select keeps the last submitted value', async () => {
    const r = await guest.collection('kitchen').create({ labels: ['b', 'b', 'a'], status: ['draft', 'archived'] });
    assert.deepEqual(r.labels, ['b', 'a']);
    assert.equal(r.status, 'archived');
  });

  test('clearing values with empty/null', async () => {
    const r = await guest.collection('kitchen').create({ title: 't', labels: ['a'], author: ids.bob, tags: [ids.t1], pubdate: '2024-01-01 00:00:00.000Z' });
    const u = await guest.collection('kitchen').update(r.id, { title: '', labels: [], author: '', tags: [], pubdate: '' });
    assert.equal(u.title, '');
    assert.deepEqual(u.labels, []);
    assert.equal(u.author, '');
    assert.deepEqual(u.tags, []);
    assert.equal(u.pubdate, '');
  });
});

describe('lists', () => {
  test('getList envelope and paging', async () => {
    const p1 = await guest.collection('items').getList(1, 10, { sort: 'n' });
    assert.deepEqual(sorted(Object.keys(p1)), ['items', 'page', 'perPage', 'totalItems', 'totalPages']);
    assert.equal(p1.page, 1);
    assert.equal(p1.perPage, 10);
    assert.equal(p1.totalItems, 25);
    assert.equal(p1.totalPages, 3);
    assert.deepEqual(p1.items.map((r) => r.n), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const p3 = await guest.collection('items').getList(3, 10, { sort: 'n' });
    assert.equal(p3.page, 3);
    assert.deepEqual(p3.items.map((r) => r.n), [21, 22, 23, 24, 25]);
    const p4 = await guest.collection('items').getList(4, 10, { sort: 'n' });
    assert.equal(p4.items.length, 0);
    assert.equal(p4.totalItems, 25);
  });

  test('skipTotal gives -1 totals', async () => {
    const r = await guest.collection('items').getList(1, 10, { skipTotal: true });
    assert.equal(r.totalItems, -1);
    assert.equal(r.totalPages, -1);
    assert.equal(r.items.length, 10);
    assert.equal(r.perPage, 10);
  });

  test('defaults and clamping of page/perPage', async () => {
    const d = await guest.send('/api/collections/items/records', {});
    assert.equal(d.page, 1);
    assert.equal(d.perPage, 30);
    assert.equal(d.items.length, 25);
    const z = await guest.collection('items').getList(0, 0);
    assert.equal(z.page, 1);
    assert.equal(z.perPage, 30);
    const big = await guest.collection('items').getList(1, 5000);
    assert.equal(big.perPage, 1000);
    assert.equal(big.items.length, 25);
  });

  test('non-integer page is a 400', async () => {
    const e = await expectError(guest.send('/api/collections/items/records', { query: { page: 'abc' } }), 400);
    assertEnvelope(e, 400);
  });

  test('getFullList: default batch (1000) and small batches', async () => {
    const all = await guest.collection('items').getFullList({ sort: '-n' });
    assert.equal(all.length, 25);
    assert.deepEqual(all.map((r) => r.n), Array.from({ length: 25 }, (_, i) => 25 - i));
    const batched = await guest.collection('items').getFullList({ batch: 7, sort: 'n' });
    assert.equal(batched.length, 25);
    assert.deepEqual(batched.map((r) => r.n), Array.from({ length: 25 }, (_, i) => i + 1));
    const exact = await guest.collection('items').getFullList({ batch: 5, sort: 'n' });
    assert.equal(exact.length, 25);
    assert.equal(new Set(exact.map((r) => r.id)).size, 25);
  });

  test('getFirstListItem: found, and client-side 404 when empty', async () => {
    const r = await guest.collection('items').getFirstListItem('n = 7');
    assert.equal(r.n, 7);
    assert.equal(r.name, 'item-07');
    await expectError(guest.collection('items').getFirstListItem('n = 999'), 404);
  });
});

describe('sort', () => {
  test('-field, +field and multiple fields', async () => {
    const desc = await guest.collection('items').getList(1, 5, { sort: '-n' });
    assert.deepEqual(desc.items.map((r) => r.n), [25, 24, 23, 22, 21]);
    const asc = await guest.collection('items').getList(1, 3, { sort: '+n' });
    assert.deepEqual(asc.items.map((r) => r.n), [1, 2, 3]);
    const multi = await guest.collection('items').getFullList({ sort: 'grp,-n' });
    const odd = Array.from({ length: 13 }, (_, i) => 25 - 2 * i);
    const even = Array.from({ length: 12 }, (_, i) => 24 - 2 * i);
    assert.deepEqual(multi.map((r) => r.n), [...odd, ...even]);
    const multi2 = await guest.collection('items').getFullList({ sort: '-grp,n' });
    assert.deepEqual(multi2.map((r) => r.n), [...even.reverse(), ...odd.reverse()]);
  });

  test('sort by text and by relation field', async () => {
    const byName = await guest.collection('items').getList(1, 3, { sort: '-name' });
    assert.deepEqual(byName.items.map((r) => r.name), ['item-25', 'item-24', 'item-23']);
    const posts = await guest.collection('posts').getFullList({ sort: 'author.name,title', filter: "author != ''" });
    assert.deepEqual(posts.map((r) => r.title), ['p1', 'p3', 'p2']);
  });

  test('unknown sort field is a 400', async () => {
    await expectError(guest.collection('items').getList(1, 5, { sort: 'nope' }), 400);
  });
});

describe('filter', () => {
  const ns = async (filter) => {
    const list = await guest.collection('items').getFullList({ filter, sort: 'n' });
    return list.map((r) => r.n);
  };

  test('comparison operators', async () => {
    assert.deepEqual(await ns('n = 5'), [5]);
    assert.equal((await ns('n != 5')).length, 24);
    assert.deepEqual(await ns('n > 22'), [23, 24, 25]);
    assert.deepEqual(await ns('n >= 23'), [23, 24, 25]);
    assert.deepEqual(await ns('n < 3'), [1, 2]);
    assert.deepEqual(await ns('n <= 3'), [1, 2, 3]);
    assert.deepEqual(await ns("name = 'item-04'"), [4]);
    assert.deepEqual(await ns('name = "item-04"'), [4]);
    assert.deepEqual(await ns("grp = 'x' && n <= 5"), [1, 3, 5]);
  });

  test('~ and !~ (contains, case-insensitive for ASCII)', async () => {
    assert.deepEqual(await ns("name ~ 'item-1'"), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    assert.deepEqual(await ns("name ~ 'ITEM-2'"), [20, 21, 22, 23, 24, 25]);
    assert.equal((await ns("name !~ 'item-1'")).length, 15);
    assert.deepEqual(await ns("name ~ 'item-0%' && n > 8"), [9]);
  });

  test('~ escapes _ unless the value contains %', async () => {
    const q = async (f) => titles(await guest.collection('quotes').getFullList({ filter: f }));
    assert.deepEqual(await q("title ~ 'a_b'"), ['a_b']);
    assert.deepEqual(await q("title ~ '100%'"), ['100% sure']);
    assert.deepEqual(await q("title ~ 'a%b'"), ['a_b', 'axb']);
  });

  test('&&, || and parentheses', async () => {
    assert.deepEqual(await ns('(n < 3 || n > 23) && n != 1'), [2, 24, 25]);
    assert.deepEqual(await ns('n > 10 && n < 13'), [11, 12]);
    assert.deepEqual(await ns('n = 1 || n = 2'), [1, 2]);
    assert.deepEqual(await ns("(grp = 'y' && n < 5) || (grp = 'x' && n > 22)"), [2, 4, 23, 25]);
    assert.deepEqual(await ns('((n = 1 || n = 2) && (n = 2 || n = 3))'), [2]);
  });

  test('empty string and null', async () => {
    const p = async (f) => titles(await guest.collection('posts').getFullList({ filter: f }));
    assert.deepEqual(await p("author = ''"), ['p4']);
    assert.deepEqual(await p('author = null'), ['p4']);
    assert.deepEqual(await p("author != ''"), ['p1', 'p2', 'p3']);
  });

  test('multi select: :each with ?= / =, :length, raw-text ~', async () => {
    const p = async (f) => titles(await guest.collection('posts').getFullList({ filter: f }));
    assert.deepEqual(await p("labels:each ?= 'a'"), ['p1', 'p3']);
    assert.deepEqual(await p("labels:each ?= 'c'"), ['p2']);
    assert.deepEqual(await p("labels:each = 'a'"), ['p3']);
    // an empty array behaves like a single NULL item, and NULL IS NOT 'a' is true
    assert.deepEqual(await p("labels:each ?!= 'a'"), ['p1', 'p2', 'p4']);
    assert.deepEqual(await p('labels:length = 2'), ['p1', 'p2']);
    assert.deepEqual(await p('labels:length = 0'), ['p4']);
    assert.deepEqual(await p("labels ~ 'c'"), ['p2']);
    assert.deepEqual(await p("labels !~ 'a'"), ['p2', 'p4']);
  });

  test('multi relation: ?= (any) vs = (all), relation paths, :length', async () => {
    const p = async (f) => titles(await guest.collection('posts').getFullList({ filter: f }));
    assert.deepEqual(await p("tags.name ?= 't2'"), ['p1', 'p2']);
    assert.deepEqual(await p("tags.name = 't2'"), ['p2']);
    assert.deepEqual(await p(`tags.id ?= '${ids.t3}'`), ['p3']);
    assert.deepEqual(await p("tags.name ?~ 't'"), ['p1', 'p2', 'p3']);
    assert.deepEqual(await p('tags:length = 2'), ['p1']);
    assert.deepEqual(await p(`tags ~ '${ids.t1}'`), ['p1']);
  });

  test('single relation paths and back-relations', async () => {
    const p = async (f) => titles(await guest.collection('posts').getFullList({ filter: f }));
    assert.deepEqual(await p("author.name = 'Alice'"), ['p1', 'p3']);
    assert.deepEqual(await p("author.country.name = 'Norway'"), ['p1', 'p3']);
    assert.deepEqual(await p(`author = '${ids.bob}'`), ['p2']);
    const authors = await guest.collection('authors').getFullList({ filter: "posts_via_author.title ?= 'p2'" });
    assert.deepEqual(authors.map((a) => a.name), ['Bob']);
  });

  test('pb.filter() placeholders: quotes inside values; injection-looking strings do not match', async () => {
    const q = async (expr, params) => titles(await guest.collection('quotes').getFullList({ filter: guest.filter(expr, params) }));
    assert.deepEqual(await q('title = {:t}', { t: "O'Brien" }), ["O'Brien"]);
    assert.deepEqual(await q('title = {:t}', { t: 'say "hi"' }), ['say "hi"']);
    assert.deepEqual(await q('title = {:t}', { t: "x' || '1'='1" }), ["x' || '1'='1"]);
    assert.deepEqual(await q('title = {:t}', { t: "nothing' || title != '" }), []);
    assert.deepEqual(await q('title = {:t}', { t: 'nothing" || title != "' }), []);
    assert.deepEqual(await q('title = {:t}', { t: '") || (1=1' }), []);
    assert.deepEqual(await q('title ~ {:t}', { t: 'Brien' }), ["O'Brien"]);
    assert.deepEqual(await q('title = {:a} || title = {:b}', { a: 'plain', b: 'axb' }), ['axb', 'plain']);
    const items = await guest.collection('items').getFullList({ filter: guest.filter('n > {:n} && grp = {:g}', { n: 20, g: 'y' }) });
    assert.deepEqual(items.map((r) => r.n).sort((a, b) => a - b), [22, 24]);
  });

  test('invalid filters are 400', async () => {
    for (const f of ['n ===', 'nope = 1', '(n = 1', 'n = {:x}']) {
      const e = await expectError(guest.collection('items').getList(1, 5, { filter: f }), 400);
      assertEnvelope(e, 400);
    }
  });
});

describe('expand', () => {
  test('single relation -> object; multi relation -> array', async () => {
    const r = await guest.collection('posts').getOne(ids.p1, { expand: 'author,tags' });
    assert.equal(r.author, ids.alice);
    assert.equal(r.expand.author.id, ids.alice);
    assert.equal(r.expand.author.name, 'Alice');
    assert.equal(r.expand.author.collectionName, 'authors');
    assert.equal(r.expand.author.collectionId, cols.authors.id);
    assert.ok(Array.isArray(r.expand.tags));
    assert.deepEqual(sorted(r.expand.tags.map((t) => t.id)), sorted([ids.t1, ids.t2]));
    assert.deepEqual(sorted(r.expand.tags.map((t) => t.name)), ['t1', 't2']);
  });

  test('only requested paths are expanded', async () => {
    const r = await guest.collection('posts').getOne(ids.p1, { expand: 'author' });
    assert.ok(r.expand.author);
    assert.ok(!('tags' in r.expand));
    const plain = await guest.collection('posts').getOne(ids.p1);
    assert.ok(!('expand' in plain));
  });

  test('nested a.b', async () => {
    const r = await guest.collection('posts').getOne(ids.p1, { expand: 'author.country' });
    assert.equal(r.expand.author.id, ids.alice);
    assert.equal(r.expand.author.expand.country.name, 'Norway');
    const bob = await guest.collection('posts').getOne(ids.p2, { expand: 'author.country' });
    assert.equal(bob.expand.author.name, 'Bob');
  });

  test('valid path with nothing to resolve gives expand {}', async () => {
    const r = await guest.collection('posts').getOne(ids.p4, { expand: 'author' });
    assert.deepEqual(r.expand, {});
  });

  test('back-relation posts_via_author (array without unique index)', async () => {
    const a = await guest.collection('authors').getOne(ids.alice, { expand: 'posts_via_author' });
    assert.ok(Array.isArray(a.expand.posts_via_author));
    assert.deepEqual(titles(a.expand.posts_via_author), ['p1', 'p3']);
    const b = await guest.collection('authors').getOne(ids.bob, { expand: 'posts_via_author.tags' });
    assert.deepEqual(titles(b.expand.posts_via_author), ['p2']);
    assert.equal(b.expand.posts_via_author[0].expand.tags[0].name, 't2');
  });

  test('expand on lists, create and update responses', async () => {
    const list = await guest.collection('posts').getFullList({ expand: 'author', sort: 'title' });
    const p1 = list.find((r) => r.id === ids.p1);
    assert.equal(p1.expand.author.name, 'Alice');
    const p4 = list.find((r) => r.id === ids.p4);
    assert.deepEqual(p4.expand, {});
    const c = await guest.collection('posts').create({ title: 'tmp', author: ids.bob }, { expand: 'author' });
    assert.equal(c.expand.author.name, 'Bob');
    const u = await guest.collection('posts').update(c.id, { author: ids.alice }, { expand: 'author.country' });
    assert.equal(u.expand.author.expand.country.name, 'Norway');
    await guest.collection('posts').delete(c.id);
  });
});

describe('fields', () => {
  test('fields=id,title on a record', async () => {
    const r = await guest.collection('posts').getOne(ids.p1, { fields: 'id,title' });
    assert.deepEqual(r, { id: ids.p1, title: 'p1' });
  });

  test('fields apply inside items of a list envelope', async () => {
    const l = await guest.collection('posts').getList(1, 10, { fields: 'id,title', sort: 'title' });
    assert.equal(l.page, 1);
    assert.equal(l.perPage, 10);
    assert.equal(l.totalItems, 4);
    assert.equal(l.totalPages, 1);
    assert.deepEqual(l.items.map((r) => Object.keys(r).sort()), Array(4).fill(['id', 'title']));
  });

  test('fields with expand paths', async () => {
    const r = await guest.collection('posts').getOne(ids.p1, { expand: 'author', fields: 'id,expand.author.name' });
    assert.deepEqual(r, { id: ids.p1, expand: { author: { name: 'Alice' } } });
  });

  test('fields=* returns everything', async () => {
    const full = await guest.collection('posts').getOne(ids.p1);
    const star = await guest.collection('posts').getOne(ids.p1, { fields: '*' });
    assert.deepEqual(star, full);
  });

  test(':excerpt modifier strips HTML and truncates', async () => {
    const r = await guest.collection('posts').getOne(ids.p1, { fields: 'id,body:excerpt(10)' });
    assert.deepEqual(r, { id: ids.p1, body: 'Abcdefghij' });
    const e = await guest.collection('posts').getOne(ids.p1, { fields: 'body:excerpt(10,true)' });
    assert.deepEqual(Object.keys(e), ['body']);
    assert.ok(e.body.startsWith('Abcdefghij'), e.body);
    assert.ok(e.body.length > 10 && e.body.length <= 13, e.body);
    assert.ok(!e.body.includes('<'));
  });
});

describe('validation errors', () => {
  test('required field: exact envelope', async () => {
    const e = await expectError(guest.collection('strict').create({}), 400, {
      message: 'Failed to create record.',
      codes: { title: 'validation_required' },
    });
    assertEnvelope(e, 400);
    assert.equal(e.response.status, 400);
    assert.equal(e.response.data.title.message, 'Cannot be blank.');
  });

  test('text min/max', async () => {
    await expectError(guest.collection('strict').create({ title: 'ab' }), 400, {
      message: 'Failed to create record.', codes: { title: 'validation_min_text_constraint' },
    });
    await expectError(guest.collection('strict').create({ title: 'abcdefghijk' }), 400, {
      message: 'Failed to create record.', codes: { title: 'validation_max_text_constraint' },
    });
  });

  test('number min/max', async () => {
    await expectError(guest.collection('strict').create({ title: 'okay', n: 11 }), 400, { message: 'Failed to create record.', codes: { n: null } });
    await expectError(guest.collection('strict').create({ title: 'okay', n: -3 }), 400, { message: 'Failed to create record.', codes: { n: null } });
  });

  test('select value not allowed; too many values', async () => {
    await expectError(guest.collection('strict').create({ title: 'okay', kind: 'zzz' }), 400, {
      message: 'Failed to create record.', codes: { kind: 'validation_invalid_value' },
    });
    await expectError(guest.collection('strict').create({ title: 'okay', kinds: ['a', 'zzz'] }), 400, {
      message: 'Failed to create record.', codes: { kinds: 'validation_invalid_value' },
    });
    await expectError(guest.collection('strict').create({ title: 'okay', kinds: ['a', 'b', 'c'] }), 400, {
      message: 'Failed to create record.', codes: { kinds: 'validation_too_many_values' },
    });
  });

  test('bad email', async () => {
    await expectError(guest.collection('strict').create({ title: 'okay', mail: 'not-an-email' }), 400, {
      message: 'Failed to create record.', codes: { mail: 'validation_is_email' },
    });
  });

  test('missing relation record', async () => {
    await expectError(guest.collection('strict').create({ title: 'okay', ref: 'zzzzzzzzzzzzzzz' }), 400, {
      message: 'Failed to create record.', codes: { ref: 'validation_missing_rel_records' },
    });
  });

  test('several errors at once', async () => {
    const e = await expectError(guest.collection('strict').create({ title: 'ab', kind: 'zzz', mail: 'bad' }), 400, {
      codes: { title: 'validation_min_text_constraint', kind: 'validation_invalid_value', mail: 'validation_is_email' },
    });
    assertEnvelope(e, 400);
  });

  test('update validation; nothing is changed on failure', async () => {
    const r = await guest.collection('strict').create({ title: 'valid', n: 5, kind: 'a' });
    assert.equal(r.title, 'valid');
    const e = await expectError(guest.collection('strict').update(r.id, { title: '', n: 6 }), 400, {
      codes: { title: 'validation_required' },
    });
    assertEnvelope(e, 400);
    const g = await guest.collection('strict').getOne(r.id);
    assert.equal(g.title, 'valid');
    assert.equal(g.n, 5);
  });

  test('a valid record passes', async () => {
    const r = await guest.collection('strict').create({ title: 'fine', n: 10, kind: 'b', kinds: ['a', 'c'], mail: 'ok@example.com', ref: ids.t1 });
    assert.equal(r.n, 10);
    assert.deepEqual(r.kinds, ['a', 'c']);
    assert.equal(r.ref, ids.t1);
  });
});
