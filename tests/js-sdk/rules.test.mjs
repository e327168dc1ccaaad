// API rules: guest / user A / user B / superuser against collections whose
// rules are null (superusers only), "" (anyone) and owner expressions.
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, client, adminClient, userClient, expectError, assertEnvelope } from './harness.mjs';

const SU_ONLY = 'Only superusers can perform this action.';
const CREATE_FAILED = 'Failed to create record.';

let srv, su, guest, A, B;
const rec = {};

before(async () => {
  srv = await startServer();
  su = await adminClient(srv.url);
  guest = client(srv.url);
  A = await userClient(srv.url, 'alice@example.com');
  B = await userClient(srv.url, 'bob@example.com');

  await su.collections.create({
    name: 'locked', type: 'base',
    listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null,
    fields: [{ name: 'title', type: 'text' }],
  });
  await su.collections.create({
    name: 'open', type: 'base',
    listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '',
    fields: [{ name: 'title', type: 'text' }],
  });
  const owner = 'author = @request.auth.id';
  await su.collections.create({
    name: 'owned', type: 'base',
    listRule: owner, viewRule: owner, createRule: owner, updateRule: owner, deleteRule: owner,
    fields: [
      { name: 'title', type: 'text' },
      { name: 'author', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1 },
    ],
  });
  const strictOwner = "@request.auth.id != '' && author = @request.auth.id";
  await su.collections.create({
    name: 'owned_strict', type: 'base',
    listRule: strictOwner, viewRule: strictOwner, createRule: strictOwner, updateRule: strictOwner, deleteRule: strictOwner,
    fields: [
      { name: 'title', type: 'text' },
      { name: 'author', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1 },
    ],
  });
  await su.collections.create({
    name: 'mixed', type: 'base',
    listRule: "@request.auth.id != ''", viewRule: '', createRule: "@request.auth.id != '' && @request.body.title != 'forbidden'",
    updateRule: null, deleteRule: null,
    fields: [{ name: 'title', type: 'text' }],
  });
  await su.collections.create({
    name: 'secretive', type: 'base',
    listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '',
    fields: [{ name: 'title', type: 'text' }, { name: 'secret', type: 'text', hidden: true }],
  });

  rec.locked = await su.collection('locked').create({ title: 'L' });
  rec.open = await su.collection('open').create({ title: 'O' });
  for (const c of ['owned', 'owned_strict']) {
    rec[c] = {
      a1: await su.collection(c).create({ title: 'a1', author: A.record.id }),
      a2: await su.collection(c).create({ title: 'a2', author: A.record.id }),
      b1: await su.collection(c).create({ title: 'b1', author: B.record.id }),
      none: await su.collection(c).create({ title: 'none' }),
    };
  }
  rec.mixed = await su.collection('mixed').create({ title: 'M' });
  rec.secret = await su.collection('secretive').create({ title: 'S', secret: 'hush' });
});

after(async () => {
  await srv?.stop();
});

const titles = (items) => items.map((r) => r.title).sort();

describe('null rules: superusers only', () => {
  for (const who of ['guest', 'user']) {
    test(`${who}: every action gives 403 "${SU_ONLY}"`, async () => {
      const pb = who === 'guest' ? guest : A.pb;
      const c = pb.collection('locked');
      for (const p of [
        () => c.getList(1, 10),
        () => c.getOne(rec.locked.id),
        () => c.create({ title: 'x' }),
        () => c.update(rec.locked.id, { title: 'x' }),
        () => c.delete(rec.locked.id),
      ]) {
        const e = await expectError(p, 403, { message: SU_ONLY });
        assertEnvelope(e, 403);
      }
    });
  }

  test('superuser: full access', async () => {
    const c = su.collection('locked');
    assert.equal((await c.getList(1, 10)).totalItems, 1);
    assert.equal((await c.getOne(rec.locked.id)).title, 'L');
    const n = await c.create({ title: 'new' });
    assert.equal((await c.update(n.id, { title: 'upd' })).title, 'upd');
    assert.equal(await c.delete(n.id), true);
  });
});

describe('empty rules: anyone', () => {
  for (const who of ['guest', 'userA', 'userB']) {
    test(`${who}: list, view, create, update, delete`, async () => {
      const pb = who === 'guest' ? guest : who === 'userA' ? A.pb : B.pb;
      const c = pb.collection('open');
      assert.ok((await c.getList(1, 10)).items.some((r) => r.id === rec.open.id));
      assert.equal((await c.getOne(rec.open.id)).title, 'O');
      const n = await c.create({ title: who });
      assert.equal(n.title, who);
      assert.equal((await c.update(n.id, { title: who + '2' })).title, who + '2');
      assert.equal(await c.delete(n.id), true);
    });
  }
});

describe('owner rule: author = @request.auth.id', () => {
  test('list filters rows per requester', async () => {
    assert.deepEqual(titles((await A.pb.collection('owned').getFullList())), ['a1', 'a2']);
    assert.deepEqual(titles((await B.pb.collection('owned').getFullList())), ['b1']);
    assert.deepEqual(titles((await su.collection('owned').getFullList())), ['a1', 'a2', 'b1', 'none']);
    const l = await A.pb.collection('owned').getList(1, 10);
    assert.equal(l.totalItems, 2);
    assert.equal(l.totalPages, 1);
  });

  test('guest: @request.auth.id is NULL, so only rows with an empty author match', async () => {
    // reference: comparing with null matches both '' and NULL
    assert.deepEqual(titles((await guest.collection('owned').getFullList())), ['none']);
  });

  test('client filter is ANDed with the list rule', async () => {
    assert.deepEqual(titles(await A.pb.collection('owned').getFullList({ filter: "title = 'b1'" })), []);
    assert.deepEqual(titles(await A.pb.collection('owned').getFullList({ filter: "title = 'a2'" })), ['a2']);
  });

  test('view: owner 200; other user / guest 404', async () => {
    assert.equal((await A.pb.collection('owned').getOne(rec.owned.a1.id)).title, 'a1');
    const e = await expectError(A.pb.collection('owned').getOne(rec.owned.b1.id), 404);
    assertEnvelope(e, 404);
    await expectError(guest.collection('owned').getOne(rec.owned.a1.id), 404);
    assert.equal((await su.collection('owned').getOne(rec.owned.b1.id)).title, 'b1');
  });

  test('update: owner 200; non-owner 404 and the record is unchanged', async () => {
    const u = await A.pb.collection('owned').update(rec.owned.a1.id, { title: 'a1x' });
    assert.equal(u.title, 'a1x');
    await A.pb.collection('owned').update(rec.owned.a1.id, { title: 'a1' });
    await expectError(A.pb.collection('owned').update(rec.owned.b1.id, { title: 'hacked' }), 404);
    await expectError(guest.collection('owned').update(rec.owned.b1.id, { title: 'hacked' }), 404);
    assert.equal((await su.collection('owned').getOne(rec.owned.b1.id)).title, 'b1');
  });

  test('delete: non-owner 404; owner true', async () => {
    const tmp = await su.collection('owned').create({ title: 'tmpB', author: B.record.id });
    await expectError(A.pb.collection('owned').delete(tmp.id), 404);
    await expectError(guest.collection('owned').delete(tmp.id), 404);
    assert.equal(await B.pb.collection('owned').delete(tmp.id), true);
    await expectError(su.collection('owned').getOne(tmp.id), 404);
  });

  test('create: 400 "Failed to create record." when the create rule fails', async () => {
    const mine = await A.pb.collection('owned').create({ title: 'mine', author: A.record.id });
    assert.equal(mine.author, A.record.id);
    const e = await expectError(A.pb.collection('owned').create({ title: 'theirs', author: B.record.id }), 400, { message: CREATE_FAILED });
    assertEnvelope(e, 400);
    await expectError(guest.collection('owned').create({ title: 'guest', author: A.record.id }), 400, { message: CREATE_FAILED });
    const n = await su.collection('owned').getList(1, 1, { filter: "title = 'theirs' || title = 'guest'" });
    assert.equal(n.totalItems, 0, 'failed creates must not persist');
    await su.collection('owned').delete(mine.id);
  });
});

describe("owner rule with @request.auth.id != ''", () => {
  test('guest sees nothing and cannot create', async () => {
    const l = await guest.collection('owned_strict').getList(1, 10);
    assert.equal(l.totalItems, 0);
    assert.deepEqual(l.items, []);
    await expectError(guest.collection('owned_strict').getOne(rec.owned_strict.none.id), 404);
    await expectError(guest.collection('owned_strict').create({ title: 'g' }), 400, { message: CREATE_FAILED });
  });

  test('users see and manage only their rows', async () => {
    assert.deepEqual(titles(await A.pb.collection('owned_strict').getFullList()), ['a1', 'a2']);
    assert.deepEqual(titles(await B.pb.collection('owned_strict').getFullList()), ['b1']);
    await expectError(B.pb.collection('owned_strict').getOne(rec.owned_strict.a1.id), 404);
    await expectError(B.pb.collection('owned_strict').update(rec.owned_strict.a1.id, { title: 'x' }), 404);
    await expectError(B.pb.collection('owned_strict').delete(rec.owned_strict.a1.id), 404);
    await expectError(B.pb.collection('owned_strict').create({ title: 'x' }), 400, { message: CREATE_FAILED });
    const ok = await B.pb.collection('owned_strict').create({ title: 'b2', author: B.record.id });
    assert.equal(await B.pb.collection('owned_strict').delete(ok.id), true);
  });
});

describe('mixed rules', () => {
  test('list requires auth (guest gets 200 with no rows), view is public', async () => {
    const g = await guest.collection('mixed').getList(1, 10);
    assert.equal(g.totalItems, 0);
    assert.equal(g.items.length, 0);
    assert.equal((await A.pb.collection('mixed').getList(1, 10)).totalItems, 1);
    assert.equal((await guest.collection('mixed').getOne(rec.mixed.id)).title, 'M');
  });

  test('create rule with @request.body', async () => {
    await expectError(guest.collection('mixed').create({ title: 'hi' }), 400, { message: CREATE_FAILED });
    await expectError(A.pb.collection('mixed').create({ title: 'forbidden' }), 400, { message: CREATE_FAILED });
    const ok = await A.pb.collection('mixed').create({ title: 'allowed' });
    assert.equal(ok.title, 'allowed');
  });

  test('null update/delete rules: 403 for users, allowed for superuser', async () => {
    await expectError(A.pb.collection('mixed').update(rec.mixed.id, { title: 'x' }), 403, { message: SU_ONLY });
    await expectError(A.pb.collection('mixed').delete(rec.mixed.id), 403, { message: SU_ONLY });
    assert.equal((await su.collection('mixed').update(rec.mixed.id, { title: 'M' })).title, 'M');
  });
});

describe('built-in users collection rules (id = @request.auth.id)', () => {
  test('each user lists and views only themselves', async () => {
    const la = await A.pb.collection('users').getFullList();
    assert.deepEqual(la.map((u) => u.id), [A.record.id]);
    const lg = await guest.collection('users').getList(1, 10);
    assert.equal(lg.totalItems, 0);
    await expectError(A.pb.collection('users').getOne(B.record.id), 404);
    await expectError(guest.collection('users').getOne(B.record.id), 404);
    await expectError(A.pb.collection('users').update(B.record.id, { name: 'pwned' }), 404);
    await expectError(A.pb.collection('users').delete(B.record.id), 404);
    assert.equal((await su.collection('users').getOne(B.record.id)).name, '');
    assert.equal((await su.collection('users').getFullList()).length, 2);
  });
});

describe('client filter restrictions for non-superusers', () => {
  test('@request.* / @collection.* in a client filter is 403 for non-superusers', async () => {
    await expectError(A.pb.collection('open').getList(1, 10, { filter: "@request.auth.id != ''" }), 403);
    await expectError(guest.collection('open').getList(1, 10, { filter: "@collection.open.title = 'O'" }), 403);
    const ok = await su.collection('open').getList(1, 10, { filter: "@request.auth.id != ''" });
    assert.ok(ok.totalItems >= 1);
  });

  test('hidden fields: not returned to non-superusers, not filterable (400); superuser sees and filters them', async () => {
    const g = await guest.collection('secretive').getOne(rec.secret.id);
    assert.ok(!('secret' in g), JSON.stringify(g));
    const s = await su.collection('secretive').getOne(rec.secret.id);
    assert.equal(s.secret, 'hush');
    await expectError(guest.collection('secretive').getList(1, 10, { filter: "secret = 'hush'" }), 400);
    const sl = await su.collection('secretive').getList(1, 10, { filter: "secret = 'hush'" });
    assert.equal(sl.totalItems, 1);
  });

  test('an invalid token is ignored (request proceeds as guest)', async () => {
    const pb = client(srv.url);
    pb.authStore.save('not.a.valid.token', null);
    const l = await pb.collection('open').getList(1, 10);
    assert.ok(l.totalItems >= 1);
    await expectError(pb.collection('locked').getList(1, 10), 403, { message: SU_ONLY });
  });
});
