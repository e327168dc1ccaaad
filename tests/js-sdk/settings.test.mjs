// Settings through the SDK: pb.settings.getAll / update (superuser only): defaults, secrets
// never returned, validation.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, client, adminClient, userClient, expectError } from './harness.mjs';

let srv, su;
before(async () => {
  srv = await startServer();
  su = await adminClient(srv.url);
});
after(async () => {
  await srv?.stop();
});

test('defaults; the SMTP password is never returned', async () => {
  const s = await su.settings.getAll();
  assert.equal(s.meta.appName, 'Acme');
  assert.equal(s.meta.accentColor, '#1055c9');
  assert.equal(s.meta.senderAddress, 'support@example.com');
  assert.equal(s.smtp.enabled, false);
  assert.ok(!('password' in s.smtp), JSON.stringify(s.smtp));
  assert.ok(!('secret' in s.s3), JSON.stringify(s.s3));
  assert.equal(s.batch.enabled, false);
  assert.equal(s.logs.maxDays, 5);

  const upd = await su.settings.update({ smtp: { username: 'mailer', password: 'hunter2' } });
  assert.equal(upd.smtp.username, 'mailer');
  assert.ok(!('password' in upd.smtp), JSON.stringify(upd.smtp));
  assert.ok(!JSON.stringify(await su.settings.getAll()).includes('hunter2'));
});

test('meta.accentColor: empty or exactly 7 characters', async () => {
  const e = await expectError(() => su.settings.update({ meta: { accentColor: 'red' } }), 400, {
    message: 'An error occurred while saving the new settings.',
  });
  assert.equal(e.response.data.meta?.accentColor?.code, 'validation_length_invalid', JSON.stringify(e.response));
  assert.equal((await su.settings.update({ meta: { accentColor: '#ff0000' } })).meta.accentColor, '#ff0000');
  assert.equal((await su.settings.update({ meta: { accentColor: '' } })).meta.accentColor, '');
});

test('guests get 401, other users 403', async () => {
  await expectError(() => client(srv.url).settings.getAll(), 401);
  const { pb } = await userClient(srv.url, 'settings-user@example.com');
  await expectError(() => pb.settings.getAll(), 403);
  await expectError(() => pb.settings.update({ meta: { appName: 'x' } }), 403);
});
