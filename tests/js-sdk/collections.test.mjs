// Collections API through the SDK: create (every field type), view, update
// (add / rename / remove field, data preserved), list, delete, truncate,
// access control and validation errors.
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, client, adminClient, userClient, expectError, assertEnvelope, crc32, DATETIME_RE,
} from './harness.mjs';

let srv;
let su;
before(async () => {
  srv = await startServer();
  su = await adminClient(srv.url);
});
after(async () => {
  await srv?.stop();
});

const ALL_RULES_OPEN = { listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '' };

function everythingModel() {
  return {
    name: 'everything',
    type: 'base',
    ...ALL_RULES_OPEN,
    fields: [
      { name: 'title', type: 'text', required: true, max: 100 },
      { name: 'count', type: 'number', min: 0, max: 1000 },
      { name: 'flag', type: 'bool' },
      { name: 'mail', type: 'email' },
      { name: 'site', type: 'url' },
      { name: 'body', type: 'editor' },
      { name: 'when', type: 'date' },
      { name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
      { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
      { name: 'status', type: 'select', values: ['draft', 'published'], maxSelect: 1 },
      { name: 'labels', type: 'select', values: ['a', 'b', 'c'], maxSelect: 3 },
      { name: 'meta', type: 'json' },
      { name: 'owner', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1 },
      { name: 'friends', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 5 },
      { name: 'attachment', type: 'file', maxSelect: 1, maxSize: 1048576 },
    ],
  };
}

describe('built-in collections', () => {
  test('_superusers and users exist with the PocketBase ids and rules', async () => {
    const sup = await su.collections.getOne('_superusers');
    assert.equal(sup.id, 'pbc_3142635823');
    assert.equal(sup.type, 'auth');
    assert.equal(sup.system, true);

    const users = await su.collections.getOne('users');
    assert.equal(users.id, '_pb_users_auth_');
    assert.equal(users.type, 'auth');
    assert.equal(users.createRule, '');
    assert.equal(users.listRule, 'id = @request.auth.id');
    assert.equal(users.viewRule, 'id = @request.auth.id');
    assert.equal(users.updateRule, 'id = @request.auth.id');
    assert.equal(users.deleteRule, 'id = @request.auth.id');
    const names = users.fields.map((f) => f.name);
    for (const n of ['id', 'password', 'tokenKey', 'email', 'emailVisibility', 'verified', 'name', 'avatar', 'created', 'updated']) {
      assert.ok(names.includes(n), `users field ${n} missing: ${names}`);
    }
    const pw = users.fields.find((f) => f.name === 'password');
    assert.equal(pw.type, 'password');
    assert.equal(pw.hidden, true);
    const tk = users.fields.find((f) => f.name === 'tokenKey');
    assert.equal(tk.hidden, true);
    assert.deepEqual(users.passwordAuth?.identityFields, ['email']);
    assert.equal(users.passwordAuth?.enabled, true);
  });

  test('getOne by id equals getOne by name (name lookup is case-insensitive)', async () => {
    const a = await su.collections.getOne('_pb_users_auth_');
    const b = await su.collections.getOne('USERS');
    assert.equal(a.id, b.id);
    assert.equal(b.name, 'users');
  });

  test('scaffolds: auth, base and view with empty ids', async () => {
    const s = await su.collections.getScaffolds();
    for (const t of ['auth', 'base', 'view']) {
      assert.ok(s[t], `scaffold ${t} missing`);
      assert.equal(s[t].id, '');
      assert.equal(s[t].type, t);
    }
  });
});

describe('create with every field type', () => {
  let col;
  before(async () => {
    col = await su.collections.create(everythingModel());
  });

  test('response shape and deterministic ids', async () => {
    assert.equal(col.name, 'everything');
    assert.equal(col.type, 'base');
    assert.equal(col.system, false);
    assert.equal(col.id, 'pbc_' + crc32('base' + 'everything'));
    for (const k of ['listRule', 'viewRule', 'createRule', 'updateRule', 'deleteRule']) assert.equal(col[k], '');
    assert.ok(Array.isArray(col.indexes));
    assert.match(col.created, DATETIME_RE);
    assert.match(col.updated, DATETIME_RE);

    const idField = col.fields.find((f) => f.name === 'id');
    assert.ok(idField, 'implicit id field');
    assert.equal(idField.type, 'text');
    assert.equal(idField.primaryKey, true);
    assert.equal(idField.system, true);
    assert.equal(idField.required, true);
    assert.equal(idField.min, 15);
    assert.equal(idField.max, 15);
    assert.equal(idField.pattern, '^[a-z0-9]+$');
    assert.equal(idField.autogeneratePattern, '[a-z0-9]{15}');

    for (const def of everythingModel().fields) {
      const f = col.fields.find((x) => x.name === def.name);
      assert.ok(f, `field ${def.name} missing`);
      assert.equal(f.type, def.type);
      assert.equal(f.id, def.type + crc32(def.name), `field id of ${def.name}`);
      for (const k of ['system', 'hidden', 'presentable']) assert.equal(typeof f[k], 'boolean', `${def.name}.${k}`);
    }
    const byName = Object.fromEntries(col.fields.map((f) => [f.name, f]));
    assert.deepEqual(byName.status.values, ['draft', 'published']);
    assert.equal(byName.status.maxSelect, 1);
    assert.deepEqual(byName.labels.values, ['a', 'b', 'c']);
    assert.equal(byName.labels.maxSelect, 3);
    assert.equal(byName.owner.collectionId, '_pb_users_auth_');
    assert.equal(byName.owner.maxSelect, 1);
    assert.equal(byName.friends.maxSelect, 5);
    assert.equal(byName.attachment.maxSelect, 1);
    assert.equal(byName.attachment.maxSize, 1048576);
    assert.equal(byName.title.required, true);
    assert.equal(byName.title.max, 100);
    assert.equal(byName.count.min, 0);
    assert.equal(byName.count.max, 1000);
    assert.equal(byName.created.onCreate, true);
    assert.equal(byName.created.onUpdate, false);
    assert.equal(byName.updated.onUpdate, true);
  });

  test('view returns the same model', async () => {
    const v = await su.collections.getOne(col.id);
    assert.equal(v.name, 'everything');
    assert.deepEqual(v.fields.map((f) => f.id), col.fields.map((f) => f.id));
    const byName = await su.collections.getOne('everything');
    assert.equal(byName.id, col.id);
  });

  test('a record can be stored in it', async () => {
    const r = await su.collection('everything').create({
      title: 'hello', count: 3, flag: true, mail: 'a@example.com', site: 'https://example.com',
      body: '<p>x</p>', when: '2024-01-02 03:04:05.678Z', status: 'draft', labels: ['a', 'c'], meta: { k: [1, 2] },
    });
    assert.equal(r.collectionId, col.id);
    assert.equal(r.collectionName, 'everything');
    assert.equal(r.count, 3);
    assert.deepEqual(r.labels, ['a', 'c']);
    assert.deepEqual(r.meta, { k: [1, 2] });
  });
});

describe('field option defaults', () => {
  test('domains lists are arrays; maxSelect stays 0 (single) when not given', async () => {
    const c = await su.collections.create({
      name: 'defaults_probe', type: 'base', ...ALL_RULES_OPEN,
      fields: [
        { name: 'mail', type: 'email', onlyDomains: null },
        { name: 'site', type: 'url' },
        { name: 'kind', type: 'select', values: ['a', 'b'] },
        { name: 'doc', type: 'file' },
        { name: 'owner', type: 'relation', collectionId: '_pb_users_auth_' },
      ],
    });
    const f = Object.fromEntries(c.fields.map((x) => [x.name, x]));
    for (const n of ['mail', 'site']) {
      assert.deepEqual(f[n].onlyDomains, [], `${n}.onlyDomains`);
      assert.deepEqual(f[n].exceptDomains, [], `${n}.exceptDomains`);
    }
    for (const n of ['kind', 'doc', 'owner']) assert.equal(f[n].maxSelect, 0, `${n}.maxSelect`);
    // 0 means a single value: plain strings, not arrays.
    const { record: u } = await userClient(srv.url, 'defaults-probe@example.com');
    const rec = await su.collection('defaults_probe').create({ kind: 'b', owner: u.id, doc: new File(['x'], 'd.txt') });
    assert.equal(rec.kind, 'b');
    assert.equal(rec.owner, u.id);
    assert.equal(typeof rec.doc, 'string');
    await expectError(() => su.collection('defaults_probe').create({ owner: [u.id, u.id + 'x'] }), 400);
  });

  test('default mail templates (PocketBase 0.40 wording)', async () => {
    const users = await su.collections.getOne('users');
    assert.match(users.verificationTemplate.body, /If you didn't recently register, please ignore this email\./);
    assert.match(users.resetPasswordTemplate.body, /If you didn't ask to reset your password, please ignore this email\./);
    assert.match(users.confirmEmailChangeTemplate.body, /If you didn't ask to change your email address, please ignore this email\./);
  });
});

describe('auth collection create', () => {
  test('gets the auth system fields, default options and unique indexes', async () => {
    const c = await su.collections.create({
      name: 'members',
      type: 'auth',
      fields: [{ name: 'nick', type: 'text' }],
    });
    assert.equal(c.type, 'auth');
    assert.equal(c.id, 'pbc_' + crc32('auth' + 'members'));
    const byName = Object.fromEntries(c.fields.map((f) => [f.name, f]));
    for (const n of ['id', 'password', 'tokenKey', 'email', 'emailVisibility', 'verified', 'nick']) {
      assert.ok(byName[n], `field ${n} missing`);
    }
    assert.equal(byName.password.type, 'password');
    assert.equal(byName.password.hidden, true);
    assert.equal(byName.tokenKey.hidden, true);
    assert.equal(byName.email.type, 'email');
    assert.equal(byName.emailVisibility.type, 'bool');
    assert.equal(byName.verified.type, 'bool');
    assert.equal(c.passwordAuth.enabled, true);
    assert.deepEqual(c.passwordAuth.identityFields, ['email']);
    assert.equal(c.authToken.duration, 432000);
    assert.ok(!('secret' in c.authToken), 'authToken.secret must never be output');
    assert.equal(c.authRule, '');
    assert.equal(c.mfa.enabled, false);
    assert.equal(c.otp.enabled, false);
    const idx = c.indexes.join('\n');
    assert.match(idx, /UNIQUE/i);
    assert.match(idx, /tokenKey/);
    assert.match(idx, /email/);
  });
});

describe('update schema', () => {
  test('add, rename and remove fields; data preserved', async () => {
    const c = await su.collections.create({
      name: 'evolve',
      type: 'base',
      ...ALL_RULES_OPEN,
      fields: [
        { name: 'a', type: 'text' },
        { name: 'b', type: 'number' },
        { name: 'c', type: 'text' },
      ],
    });
    const rec = await su.collection('evolve').create({ a: 'hello', b: 5, c: 'bye' });

    const fields = c.fields
      .filter((f) => f.name !== 'c')
      .map((f) => (f.name === 'a' ? { ...f, name: 'a2' } : f));
    fields.push({ name: 'd', type: 'bool' });
    const upd = await su.collections.update('evolve', { fields });
    const names = upd.fields.map((f) => f.name);
    assert.ok(names.includes('a2') && names.includes('b') && names.includes('d'), `${names}`);
    assert.ok(!names.includes('a') && !names.includes('c'), `${names}`);
    const a2 = upd.fields.find((f) => f.name === 'a2');
    assert.equal(a2.id, c.fields.find((f) => f.name === 'a').id, 'rename keeps the field id');

    const got = await su.collection('evolve').getOne(rec.id);
    assert.equal(got.a2, 'hello');
    assert.equal(got.b, 5);
    assert.equal(got.d, false);
    assert.ok(!('a' in got), 'old name gone');
    assert.ok(!('c' in got), 'removed field gone');
  });

  test('rename a collection and update its rules', async () => {
    await su.collections.create({ name: 'oldname', type: 'base', fields: [{ name: 't', type: 'text' }] });
    const rec = await su.collection('oldname').create({ t: 'kept' });
    const upd = await su.collections.update('oldname', { name: 'newname', listRule: '', viewRule: 't != ""' });
    assert.equal(upd.name, 'newname');
    assert.equal(upd.listRule, '');
    assert.equal(upd.viewRule, 't != ""');
    const got = await su.collection('newname').getOne(rec.id);
    assert.equal(got.t, 'kept');
    assert.equal(got.collectionName, 'newname');
    await expectError(su.collections.getOne('oldname'), 404);
  });

  test('type cannot change', async () => {
    await su.collections.create({ name: 'fixedtype', type: 'base', fields: [] });
    const err = await expectError(su.collections.update('fixedtype', { type: 'auth' }), 400);
    assertEnvelope(err, 400);
  });

  test('system collection cannot be renamed', async () => {
    const err = await expectError(su.collections.update('_superusers', { name: 'admins2' }), 400);
    assertEnvelope(err, 400);
  });
});

describe('list', () => {
  test('getFullList contains the system and created collections', async () => {
    const all = await su.collections.getFullList();
    const names = all.map((c) => c.name);
    for (const n of ['_superusers', 'users', 'everything']) assert.ok(names.includes(n), `${n} in ${names}`);
  });

  test('getList envelope, paging and filter', async () => {
    const page = await su.collections.getList(1, 2);
    assert.equal(page.page, 1);
    assert.equal(page.perPage, 2);
    assert.equal(page.items.length, 2);
    assert.ok(page.totalItems >= 3);
    assert.equal(page.totalPages, Math.ceil(page.totalItems / 2));

    const one = await su.collections.getList(1, 30, { filter: "name = 'everything'" });
    assert.equal(one.totalItems, 1);
    assert.equal(one.items[0].name, 'everything');

    const first = await su.collections.getFirstListItem("name = 'users'");
    assert.equal(first.id, '_pb_users_auth_');
  });
});

describe('delete and truncate', () => {
  test('truncate removes records but keeps the collection', async () => {
    await su.collections.create({ name: 'trunc', type: 'base', ...ALL_RULES_OPEN, fields: [{ name: 't', type: 'text' }] });
    for (let i = 0; i < 3; i++) await su.collection('trunc').create({ t: 'x' + i });
    assert.equal((await su.collection('trunc').getList(1, 10)).totalItems, 3);
    assert.equal(await su.collections.truncate('trunc'), true);
    assert.equal((await su.collection('trunc').getList(1, 10)).totalItems, 0);
    const c = await su.collections.getOne('trunc');
    assert.equal(c.name, 'trunc');
  });

  test('delete returns true (204) and the collection is gone', async () => {
    await su.collections.create({ name: 'doomed', type: 'base', fields: [{ name: 't', type: 'text' }] });
    assert.equal(await su.collections.delete('doomed'), true);
    await expectError(su.collections.getOne('doomed'), 404);
    await expectError(su.collection('doomed').getList(1, 1), 404);
  });

  test('a referenced collection cannot be deleted (400)', async () => {
    const parent = await su.collections.create({ name: 'parentc', type: 'base', fields: [{ name: 't', type: 'text' }] });
    await su.collections.create({
      name: 'childc',
      type: 'base',
      fields: [{ name: 'p', type: 'relation', collectionId: parent.id, maxSelect: 1 }],
    });
    const err = await expectError(su.collections.delete('parentc'), 400);
    assertEnvelope(err, 400);
    assert.equal(await su.collections.delete('childc'), true);
    assert.equal(await su.collections.delete('parentc'), true);
  });
});

describe('access control', () => {
  let user;
  before(async () => {
    user = await userClient(srv.url, 'coluser@example.com');
  });

  test('guest gets 401 on every collections endpoint', async () => {
    const g = client(srv.url);
    for (const p of [
      () => g.collections.getList(1, 10),
      () => g.collections.getOne('users'),
      () => g.collections.create({ name: 'x1', type: 'base' }),
      () => g.collections.update('users', { listRule: '' }),
      () => g.collections.delete('everything'),
      () => g.collections.truncate('everything'),
    ]) {
      const err = await expectError(p, 401);
      assertEnvelope(err, 401);
    }
  });

  test('a regular user gets 403 on every collections endpoint', async () => {
    const u = user.pb;
    for (const p of [
      () => u.collections.getList(1, 10),
      () => u.collections.getOne('users'),
      () => u.collections.create({ name: 'x2', type: 'base' }),
      () => u.collections.update('users', { listRule: '' }),
      () => u.collections.delete('everything'),
      () => u.collections.truncate('everything'),
    ]) {
      const err = await expectError(p, 403);
      assertEnvelope(err, 403);
    }
    // nothing changed
    const users = await su.collections.getOne('users');
    assert.equal(users.listRule, 'id = @request.auth.id');
    await su.collections.getOne('everything');
  });
});

describe('validation errors', () => {
  test('invalid collection name', async () => {
    const err = await expectError(su.collections.create({ name: 'bad name!', type: 'base' }), 400, { codes: { name: null } });
    assertEnvelope(err, 400);
    assert.match(err.response.data.name.code, /^validation_/);
  });

  test('missing name', async () => {
    const err = await expectError(su.collections.create({ type: 'base' }), 400, { codes: { name: null } });
    assertEnvelope(err, 400);
  });

  test('duplicate name (case-insensitive)', async () => {
    const err = await expectError(su.collections.create({ name: 'EveryThing', type: 'base' }), 400, { codes: { name: null } });
    assertEnvelope(err, 400);
    assert.match(err.response.data.name.code, /^validation_/);
    const err2 = await expectError(su.collections.create({ name: 'users', type: 'base' }), 400, { codes: { name: null } });
    assertEnvelope(err2, 400);
  });

  test('reserved and invalid field names', async () => {
    for (const fname of ['expand', 'collectionId', 'collectionName', 'bad-name', '']) {
      const err = await expectError(
        su.collections.create({ name: 'badfield', type: 'base', fields: [{ name: fname, type: 'text' }] }),
        400,
      );
      assertEnvelope(err, 400);
      assert.ok(err.response.data.fields, `data.fields expected for field name ${JSON.stringify(fname)}: ${JSON.stringify(err.response)}`);
    }
    await expectError(su.collections.getOne('badfield'), 404);
  });
});

describe('collections import, dry-run view and the SQL console', () => {
  test('pb.collections.import upserts and deleteMissing drops', async () => {
    const base = await su.collections.create({ name: 'imp_keep', type: 'base', fields: [{ name: 'a', type: 'text' }] });
    await su.collections.create({ name: 'imp_drop', type: 'base' });
    assert.equal(await su.collections.import([
      { name: 'imp_keep', fields: [{ name: 'a', type: 'text' }, { name: 'b', type: 'number' }] },
      { name: 'imp_new', type: 'base', fields: [{ name: 'rel', type: 'relation', collectionId: base.id, maxSelect: 1 }] },
    ]), true);
    const kept = await su.collections.getOne('imp_keep');
    assert.deepEqual(kept.fields.filter((f) => !f.system).map((f) => f.name).slice(0, 2), ['a', 'b']);
    await su.collections.getOne('imp_new');
    await su.collections.getOne('imp_drop');
    const err = await expectError(su.collections.import([]), 400, { codes: { collections: 'validation_required' } });
    assertEnvelope(err, 400);
    // deleteMissing: export everything, leave one out, import it back.
    const all = (await su.collections.getFullList()).filter((c) => c.name !== 'imp_drop');
    await su.collections.import(all, true);
    await expectError(su.collections.getOne('imp_drop'), 404);
    await su.collections.getOne('_superusers');
  });

  test('pb.collections.dryRunViewQuery and pb.sql.run', async () => {
    await su.collections.create({ name: 'dry_items', type: 'base', fields: [{ name: 'title', type: 'text' }] });
    await su.collection('dry_items').create({ title: 'x' });
    const res = await su.collections.dryRunViewQuery('SELECT id, title FROM dry_items');
    assert.deepEqual(res.fields.map((f) => f.name), ['id', 'title']);
    assert.equal(res.sample[0].title, 'x');
    const out = await su.sql.run("SELECT title FROM dry_items");
    assert.deepEqual(out.rows, [['x']]);
    assert.equal(out.columns[0].name, 'title');
    const w = await su.sql.run("UPDATE dry_items SET title = 'y'");
    assert.equal(w.affectedRows, 1);
    await expectError(client(srv.url).sql.run('SELECT 1'), 401);
  });
});
