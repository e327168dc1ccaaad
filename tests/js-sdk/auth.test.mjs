// Auth records through the SDK: sign-up, authWithPassword, authStore state,
// authRefresh, listAuthMethods, password change + token invalidation,
// impersonation, email visibility and never-returned secrets.
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, client, adminClient, userClient, expectError, assertEnvelope, rawFetch, SU_EMAIL, SU_PASSWORD,
} from './harness.mjs';

let srv, su;
before(async () => {
  srv = await startServer();
  su = await adminClient(srv.url);
});
after(async () => {
  await srv?.stop();
});

function payload(token) {
  const part = token.split('.')[1];
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

function assertNoSecrets(rec, where) {
  assert.ok(rec && typeof rec === 'object', `${where}: record expected`);
  for (const k of ['password', 'tokenKey', 'passwordConfirm', 'oldPassword']) {
    assert.ok(!(k in rec), `${where}: "${k}" must never be returned: ${JSON.stringify(rec)}`);
  }
}

describe('sign-up (create)', () => {
  test('create with password/passwordConfirm', async () => {
    const guest = client(srv.url);
    const r = await guest.collection('users').create({
      email: 'signup@example.com', password: 'Secret12345', passwordConfirm: 'Secret12345', name: 'Sig',
    });
    assert.match(r.id, /^[a-z0-9]{15}$/);
    assert.equal(r.collectionId, '_pb_users_auth_');
    assert.equal(r.collectionName, 'users');
    assert.equal(r.name, 'Sig');
    assert.equal(r.verified, false);
    assert.equal(r.emailVisibility, false);
    assertNoSecrets(r, 'create response');
    const s = await su.collection('users').getOne(r.id);
    assert.equal(s.email, 'signup@example.com');
    assertNoSecrets(s, 'superuser view');
  });

  test('passwordConfirm mismatch', async () => {
    const e = await expectError(
      client(srv.url).collection('users').create({ email: 'mm@example.com', password: 'Secret12345', passwordConfirm: 'Other12345' }),
      400,
      { message: 'Failed to create record.', codes: { passwordConfirm: 'validation_values_mismatch' } },
    );
    assertEnvelope(e, 400);
  });

  test('a passwordConfirm mismatch is reported alone (the password rules and other fields wait)', async () => {
    const e = await expectError(
      client(srv.url).collection('users').create({ email: 'not-an-email', password: 'abc', passwordConfirm: 'abd' }), 400,
      { message: 'Failed to create record.', codes: { passwordConfirm: 'validation_values_mismatch' } },
    );
    assert.deepEqual(Object.keys(e.response.data), ['passwordConfirm']);
    // A blank password is reported together with the blank passwordConfirm.
    const blank = await expectError(client(srv.url).collection('users').create({ email: 'blank@example.com' }), 400, {
      codes: { password: 'validation_required', passwordConfirm: 'validation_required' },
    });
    assert.deepEqual(Object.keys(blank.response.data).sort(), ['password', 'passwordConfirm']);
  });

  test('missing password / email', async () => {
    await expectError(client(srv.url).collection('users').create({ email: 'nopw@example.com' }), 400, {
      message: 'Failed to create record.', codes: { password: 'validation_required' },
    });
    await expectError(client(srv.url).collection('users').create({ password: 'Secret12345', passwordConfirm: 'Secret12345' }), 400, {
      message: 'Failed to create record.', codes: { email: 'validation_required' },
    });
  });

  test('password too short (min 8) and invalid email', async () => {
    await expectError(client(srv.url).collection('users').create({ email: 'short@example.com', password: 'abc', passwordConfirm: 'abc' }), 400, {
      codes: { password: null },
    });
    await expectError(client(srv.url).collection('users').create({ email: 'nope', password: 'Secret12345', passwordConfirm: 'Secret12345' }), 400, {
      codes: { email: 'validation_is_email' },
    });
  });

  test('duplicate email is validation_not_unique', async () => {
    await client(srv.url).collection('users').create({ email: 'dup@example.com', password: 'Secret12345', passwordConfirm: 'Secret12345' });
    await expectError(
      client(srv.url).collection('users').create({ email: 'dup@example.com', password: 'Secret12345', passwordConfirm: 'Secret12345' }),
      400,
      { codes: { email: 'validation_not_unique' } },
    );
  });
});

describe('authWithPassword', () => {
  let user;
  before(async () => {
    user = await userClient(srv.url, 'login@example.com', 'Secret12345', { name: 'Login' });
  });

  test('user: token, record (with email), authStore state', async () => {
    const pb = client(srv.url);
    assert.equal(pb.authStore.isValid, false);
    const res = await pb.collection('users').authWithPassword('login@example.com', 'Secret12345');
    assert.equal(typeof res.token, 'string');
    assert.equal(res.record.id, user.record.id);
    assert.equal(res.record.email, 'login@example.com', 'auth responses always show the email');
    assert.equal(res.record.collectionName, 'users');
    assert.equal(res.record.collectionId, '_pb_users_auth_');
    assertNoSecrets(res.record, 'auth response');
    assert.ok(!('meta' in res) || res.meta === undefined || typeof res.meta === 'object');
    assert.equal(pb.authStore.token, res.token);
    assert.equal(pb.authStore.record.id, user.record.id);
    assert.equal(pb.authStore.isValid, true);
    assert.equal(pb.authStore.isSuperuser, false);

    const p = payload(res.token);
    assert.equal(p.type, 'auth');
    assert.equal(p.id, user.record.id);
    assert.equal(p.collectionId, '_pb_users_auth_');
    assert.equal(p.refreshable, true);
    assert.equal(typeof p.exp, 'number');
    assert.ok(p.exp > Date.now() / 1000);
    // default users authToken duration: 432000 s
    assert.ok(Math.abs(p.exp - (Date.now() / 1000 + 432000)) < 120, `exp ${p.exp}`);
  });

  test('superuser: isSuperuser, fixed collection id', async () => {
    const pb = client(srv.url);
    const res = await pb.collection('_superusers').authWithPassword(SU_EMAIL, SU_PASSWORD);
    assert.equal(res.record.collectionName, '_superusers');
    assert.equal(res.record.collectionId, 'pbc_3142635823');
    assert.equal(res.record.email, SU_EMAIL);
    assertNoSecrets(res.record, 'superuser auth response');
    assert.equal(pb.authStore.isValid, true);
    assert.equal(pb.authStore.isSuperuser, true);
    const p = payload(res.token);
    assert.equal(p.type, 'auth');
    assert.equal(p.collectionId, 'pbc_3142635823');
    assert.equal(p.refreshable, true);
    assert.ok(Math.abs(p.exp - (Date.now() / 1000 + 86400)) < 120, `superuser token exp ${p.exp}`);
  });

  test('wrong password / unknown identity: 400 "Failed to authenticate."', async () => {
    const pb = client(srv.url);
    for (const [id, pw] of [['login@example.com', 'WrongPass123'], ['nobody@example.com', 'Secret12345']]) {
      const e = await expectError(pb.collection('users').authWithPassword(id, pw), 400, { message: 'Failed to authenticate.' });
      assertEnvelope(e, 400);
    }
    await expectError(pb.collection('_superusers').authWithPassword(SU_EMAIL, 'nope-nope-nope'), 400, { message: 'Failed to authenticate.' });
    assert.equal(pb.authStore.isValid, false);
    assert.equal(pb.authStore.token, '');
  });

  test('a user cannot authenticate against _superusers and vice versa', async () => {
    await expectError(client(srv.url).collection('_superusers').authWithPassword('login@example.com', 'Secret12345'), 400, {
      message: 'Failed to authenticate.',
    });
    await expectError(client(srv.url).collection('users').authWithPassword(SU_EMAIL, SU_PASSWORD), 400, {
      message: 'Failed to authenticate.',
    });
  });

  test('Authorization with or without "Bearer " prefix', async () => {
    const res = await client(srv.url).collection('users').authWithPassword('login@example.com', 'Secret12345');
    const raw = await rawFetch(srv.url, `/api/collections/users/records/${user.record.id}`, { token: res.token });
    assert.equal(raw.status, 200);
    assert.equal(raw.json.id, user.record.id);
    const bearer = await rawFetch(srv.url, `/api/collections/users/records/${user.record.id}`, { token: 'Bearer ' + res.token });
    assert.equal(bearer.status, 200);
    const guestView = await rawFetch(srv.url, `/api/collections/users/records/${user.record.id}`);
    assert.equal(guestView.status, 404);
  });
});

describe('authRefresh', () => {
  test('refresh returns token + record and keeps the store valid', async () => {
    const u = await userClient(srv.url, 'refresh@example.com');
    const res = await u.pb.collection('users').authRefresh();
    assert.equal(typeof res.token, 'string');
    assert.equal(res.record.id, u.record.id);
    assert.equal(res.record.email, 'refresh@example.com');
    assertNoSecrets(res.record, 'refresh response');
    assert.equal(u.pb.authStore.token, res.token);
    assert.equal(u.pb.authStore.isValid, true);
    assert.equal(payload(res.token).refreshable, true);
  });

  test('superuser refresh', async () => {
    const pb = await adminClient(srv.url);
    const res = await pb.collection('_superusers').authRefresh();
    assert.equal(res.record.collectionName, '_superusers');
    assert.equal(pb.authStore.isSuperuser, true);
  });

  test('guest refresh is 401; refreshing with a token of another collection is 403', async () => {
    const e = await expectError(client(srv.url).collection('users').authRefresh(), 401);
    assertEnvelope(e, 401);
    const pb = await adminClient(srv.url);
    const e2 = await expectError(pb.collection('users').authRefresh(), 403);
    assertEnvelope(e2, 403);
  });
});

describe('listAuthMethods', () => {
  test('users: password enabled with identityFields [email]; oauth2/mfa/otp off', async () => {
    const m = await client(srv.url).collection('users').listAuthMethods();
    assert.equal(m.password.enabled, true);
    assert.deepEqual(m.password.identityFields, ['email']);
    assert.equal(typeof m.oauth2.enabled, 'boolean');
    assert.ok(Array.isArray(m.oauth2.providers));
    assert.equal(m.mfa.enabled, false);
    assert.equal(m.mfa.duration, 0);
    assert.equal(m.otp.enabled, false);
    assert.equal(m.otp.duration, 0);
  });

  test('_superusers: password enabled, oauth2 off', async () => {
    const m = await client(srv.url).collection('_superusers').listAuthMethods();
    assert.equal(m.password.enabled, true);
    assert.deepEqual(m.password.identityFields, ['email']);
    assert.equal(m.oauth2.enabled, false);
    assert.deepEqual(m.oauth2.providers, []);
  });

  test('full response without the SDK fields filter', async () => {
    const raw = await rawFetch(srv.url, '/api/collections/users/auth-methods');
    assert.equal(raw.status, 200);
    for (const k of ['password', 'oauth2', 'mfa', 'otp']) assert.ok(k in raw.json, `${k} in ${raw.text}`);
    // Legacy keys for older SDKs; authProviders mirrors oauth2.providers ([] while OAuth2 is off).
    assert.deepEqual(raw.json.authProviders, []);
    assert.equal(raw.json.emailPassword, true);
    assert.equal(raw.json.usernamePassword, false);
  });
});

describe('password change', () => {
  test('requires oldPassword, validates it, and invalidates old tokens', async () => {
    const u = await userClient(srv.url, 'pwchange@example.com', 'OldSecret123');
    const oldToken = u.pb.authStore.token;
    const col = u.pb.collection('users');

    await expectError(col.update(u.record.id, { password: 'NewSecret123', passwordConfirm: 'NewSecret123' }), 400, {
      codes: { oldPassword: 'validation_required' },
    });
    await expectError(col.update(u.record.id, { oldPassword: 'WrongOld123', password: 'NewSecret123', passwordConfirm: 'NewSecret123' }), 400, {
      codes: { oldPassword: 'validation_invalid_old_password' },
    });
    await expectError(col.update(u.record.id, { oldPassword: 'OldSecret123', password: 'NewSecret123', passwordConfirm: 'Mismatch123' }), 400, {
      codes: { passwordConfirm: 'validation_values_mismatch' },
    });
    const alone = await expectError(col.update(u.record.id, { oldPassword: 'OldSecret123', password: 'short', passwordConfirm: 'shorter' }), 400, {
      message: 'Failed to update record.', codes: { passwordConfirm: 'validation_values_mismatch' },
    });
    assert.deepEqual(Object.keys(alone.response.data), ['passwordConfirm']);
    // still the old password after the failures
    await client(srv.url).collection('users').authWithPassword('pwchange@example.com', 'OldSecret123');

    const upd = await col.update(u.record.id, { oldPassword: 'OldSecret123', password: 'NewSecret123', passwordConfirm: 'NewSecret123' });
    assert.equal(upd.id, u.record.id);
    assertNoSecrets(upd, 'update response');

    // the old token no longer authenticates: refresh with it is a guest request -> 401
    const stale = client(srv.url);
    stale.authStore.save(oldToken, u.record);
    await expectError(stale.collection('users').authRefresh(), 401);
    await expectError(stale.collection('users').getOne(u.record.id), 404);

    await expectError(client(srv.url).collection('users').authWithPassword('pwchange@example.com', 'OldSecret123'), 400, {
      message: 'Failed to authenticate.',
    });
    const fresh = client(srv.url);
    await fresh.collection('users').authWithPassword('pwchange@example.com', 'NewSecret123');
    assert.equal((await fresh.collection('users').getOne(u.record.id)).id, u.record.id);
  });

  test('superuser can set a password without oldPassword', async () => {
    const u = await userClient(srv.url, 'managed@example.com', 'OldSecret123');
    await su.collection('users').update(u.record.id, { password: 'SuSet12345', passwordConfirm: 'SuSet12345' });
    await client(srv.url).collection('users').authWithPassword('managed@example.com', 'SuSet12345');
  });

  test('email/verified cannot be changed without manage access', async () => {
    const u = await userClient(srv.url, 'selfedit@example.com');
    await expectError(u.pb.collection('users').update(u.record.id, { verified: true }), 400, {
      codes: { verified: 'validation_values_mismatch' },
    });
    await expectError(u.pb.collection('users').update(u.record.id, { email: 'other@example.com' }), 400, {
      codes: { email: 'validation_values_mismatch' },
    });
    const v = await su.collection('users').update(u.record.id, { verified: true });
    assert.equal(v.verified, true);
  });
});

describe('own record updates/deletes and the SDK auth store', () => {
  test('updating the authenticated record refreshes authStore.record', async () => {
    const u = await userClient(srv.url, 'store@example.com');
    await u.pb.collection('users').update(u.record.id, { name: 'Renamed', emailVisibility: true });
    assert.equal(u.pb.authStore.record.name, 'Renamed');
    assert.equal(u.pb.authStore.isValid, true);
  });

  test('deleting the authenticated record clears the store', async () => {
    const u = await userClient(srv.url, 'selfdelete@example.com');
    assert.equal(await u.pb.collection('users').delete(u.record.id), true);
    assert.equal(u.pb.authStore.token, '');
    await expectError(su.collection('users').getOne(u.record.id), 404);
  });
});

describe('impersonate', () => {
  test('superuser gets a non-refreshable token for the user', async () => {
    const u = await userClient(srv.url, 'imp@example.com');
    const imp = await su.collection('users').impersonate(u.record.id, 3600);
    assert.equal(imp.authStore.record.id, u.record.id);
    assert.equal(imp.authStore.isValid, true);
    assert.equal(imp.authStore.isSuperuser, false);
    const p = payload(imp.authStore.token);
    assert.equal(p.type, 'auth');
    assert.equal(p.id, u.record.id);
    assert.equal(p.collectionId, '_pb_users_auth_');
    assert.equal(p.refreshable, false);
    assert.ok(Math.abs(p.exp - (Date.now() / 1000 + 3600)) < 120, `exp ${p.exp}`);
    // acts as the user
    imp.autoCancellation(false);
    const me = await imp.collection('users').getOne(u.record.id);
    assert.equal(me.email, 'imp@example.com');
    // refresh of a non-refreshable token echoes it
    const token = imp.authStore.token;
    const r = await imp.collection('users').authRefresh();
    assert.equal(r.token, token);
    assert.equal(r.record.id, u.record.id);
  });

  test('guest 401, regular user 403', async () => {
    const u = await userClient(srv.url, 'imp2@example.com');
    await expectError(client(srv.url).collection('users').impersonate(u.record.id, 0), 401);
    await expectError(u.pb.collection('users').impersonate(u.record.id, 0), 403);
  });

  test('unknown record id: 404', async () => {
    await expectError(su.collection('users').impersonate('zzzzzzzzzzzzzzz', 0), 404);
  });
});

describe('email visibility', () => {
  let m1, m2;
  before(async () => {
    await su.collections.create({
      name: 'members', type: 'auth',
      listRule: '', viewRule: '', createRule: '', updateRule: 'id = @request.auth.id', deleteRule: null,
      fields: [{ name: 'nick', type: 'text' }],
    });
    m1 = await userClient(srv.url, 'hidden@example.com', 'Secret12345', { nick: 'm1' }, 'members');
    m2 = await userClient(srv.url, 'shown@example.com', 'Secret12345', { nick: 'm2', emailVisibility: true }, 'members');
  });

  test('guest sees the email only when emailVisibility is true', async () => {
    const list = await client(srv.url).collection('members').getFullList({ sort: 'nick' });
    assert.equal(list.length, 2);
    const [r1, r2] = list;
    assert.equal(r1.nick, 'm1');
    assert.ok(!r1.email, `hidden email leaked: ${JSON.stringify(r1)}`);
    assert.equal(r1.emailVisibility, false);
    assert.equal(r2.email, 'shown@example.com');
    for (const r of list) assertNoSecrets(r, 'guest list');
    const one = await client(srv.url).collection('members').getOne(m1.record.id);
    assert.ok(!one.email);
  });

  test('the owner always sees their own email; other users do not', async () => {
    const own = await m1.pb.collection('members').getOne(m1.record.id);
    assert.equal(own.email, 'hidden@example.com');
    const other = await m2.pb.collection('members').getOne(m1.record.id);
    assert.ok(!other.email, `hidden email leaked to another user: ${JSON.stringify(other)}`);
    const visible = await m1.pb.collection('members').getOne(m2.record.id);
    assert.equal(visible.email, 'shown@example.com');
  });

  test('superuser sees every email', async () => {
    const list = await su.collection('members').getFullList({ sort: 'nick' });
    assert.deepEqual(list.map((r) => r.email), ['hidden@example.com', 'shown@example.com']);
    for (const r of list) assertNoSecrets(r, 'superuser list');
  });

  test('non-superusers cannot filter by a hidden email', async () => {
    const g = client(srv.url);
    const hidden = await g.collection('members').getList(1, 10, { filter: "email = 'hidden@example.com'" });
    assert.equal(hidden.totalItems, 0);
    const shown = await g.collection('members').getList(1, 10, { filter: "email = 'shown@example.com'" });
    assert.equal(shown.totalItems, 1);
    const s = await su.collection('members').getList(1, 10, { filter: "email = 'hidden@example.com'" });
    assert.equal(s.totalItems, 1);
  });

  test('toggling emailVisibility', async () => {
    await m1.pb.collection('members').update(m1.record.id, { emailVisibility: true });
    const r = await client(srv.url).collection('members').getOne(m1.record.id);
    assert.equal(r.email, 'hidden@example.com');
    await m1.pb.collection('members').update(m1.record.id, { emailVisibility: false });
    const r2 = await client(srv.url).collection('members').getOne(m1.record.id);
    assert.ok(!r2.email);
  });
});
