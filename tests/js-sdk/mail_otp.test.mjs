// Email flows and OTP through the SDK: requestVerification + confirmVerification,
// requestPasswordReset + confirmPasswordReset, requestOTP + authWithOTP, MFA with mfaId.
// Mails go over SMTP to a sink run by this test (smtp_sink.mjs), as on PocketBase.
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, client, adminClient, expectError, oursOnly } from './harness.mjs';
import { startSmtpSink } from './smtp_sink.mjs';

let srv, su, sink;
before(async () => {
  sink = await startSmtpSink();
  srv = await startServer();
  su = await adminClient(srv.url);
  await su.settings.update({ smtp: { enabled: true, host: '127.0.0.1', port: sink.port, tls: false } });
  await su.collections.update('users', { otp: { enabled: true, length: 6 } });
});
after(async () => {
  await srv?.stop();
  await sink?.close();
});

const waitMail = (to) => sink.waitMail(to);

const tokenIn = (mail, kind) => new RegExp(`confirm-${kind}/([\\w-]+\\.[\\w-]+\\.[\\w-]+)`).exec(mail.body)?.[1];

async function signUp(email, password = 'Secret12345') {
  return client(srv.url).collection('users').create({ email, password, passwordConfirm: password });
}

describe('verification', () => {
  test('requestVerification + confirmVerification', async () => {
    await signUp('sdk-verify@example.com');
    const pb = client(srv.url);
    assert.equal(await pb.collection('users').requestVerification('sdk-verify@example.com'), true);
    assert.equal(await pb.collection('users').requestVerification('sdk-nobody@example.com'), true);
    const mail = await waitMail('sdk-verify@example.com');
    assert.equal(mail.subject, 'Verify your Acme email');
    const token = tokenIn(mail, 'verification');
    assert.ok(token, mail.body);
    assert.equal(await pb.collection('users').confirmVerification(token), true);
    const auth = await pb.collection('users').authWithPassword('sdk-verify@example.com', 'Secret12345');
    assert.equal(auth.record.verified, true);
    await expectError(() => pb.collection('users').confirmVerification('bad.token.value'), 400);
  });
});

describe('password reset', () => {
  test('requestPasswordReset + confirmPasswordReset revokes the old token', async () => {
    await signUp('sdk-reset@example.com');
    const pb = client(srv.url);
    await pb.collection('users').authWithPassword('sdk-reset@example.com', 'Secret12345');
    const oldToken = pb.authStore.token;
    const guest = client(srv.url);
    assert.equal(await guest.collection('users').requestPasswordReset('sdk-reset@example.com'), true);
    const token = tokenIn(await waitMail('sdk-reset@example.com'), 'password-reset');
    assert.ok(token);
    await expectError(() => guest.collection('users').confirmPasswordReset(token, 'NewSecret123', 'Mismatch123'), 400, {
      codes: { passwordConfirm: 'validation_values_mismatch' },
    });
    assert.equal(await guest.collection('users').confirmPasswordReset(token, 'NewSecret123', 'NewSecret123'), true);
    await expectError(() => pb.collection('users').authRefresh(), 401);
    assert.notEqual(oldToken, '');
    const fresh = await client(srv.url).collection('users').authWithPassword('sdk-reset@example.com', 'NewSecret123');
    assert.equal(fresh.record.verified, true);
    await expectError(() => guest.collection('users').confirmPasswordReset(token, 'Other123456', 'Other123456'), 400, {
      codes: { token: 'validation_invalid_token' },
    });
  });
});

describe('otp', () => {
  test('requestOTP + authWithOTP', async () => {
    await signUp('sdk-otp@example.com');
    const pb = client(srv.url);
    const { otpId } = await pb.collection('users').requestOTP('sdk-otp@example.com');
    assert.match(otpId, /^[a-z0-9]{15}$/);
    const dummy = await pb.collection('users').requestOTP('sdk-otp-nobody@example.com');
    assert.match(dummy.otpId, /^[a-z0-9]{15}$/);
    const mail = await waitMail('sdk-otp@example.com');
    const code = /<strong>(\d+)<\/strong>/.exec(mail.body)?.[1];
    assert.equal(code?.length, 6, mail.body);
    await expectError(() => pb.collection('users').authWithOTP(otpId, '0000000'), 400);
    const auth = await pb.collection('users').authWithOTP(otpId, code);
    assert.ok(auth.token);
    assert.equal(pb.authStore.record.email, 'sdk-otp@example.com');
    assert.equal(pb.authStore.isValid, true);
    await expectError(() => client(srv.url).collection('users').authWithOTP(otpId, code), 400);
  });

  test('MFA: password gives 401 {mfaId}, OTP with mfaId completes', async () => {
    await su.collections.create({ name: 'sdk_staff', type: 'auth', createRule: '', otp: { enabled: true }, mfa: { enabled: true } });
    await client(srv.url).collection('sdk_staff').create({
      email: 'sdk-mfa@example.com', password: 'Secret12345', passwordConfirm: 'Secret12345',
    });
    const pb = client(srv.url);
    const err = await expectError(() => pb.collection('sdk_staff').authWithPassword('sdk-mfa@example.com', 'Secret12345'), 401);
    const mfaId = err.response.mfaId;
    assert.match(mfaId, /^[a-z0-9]{15}$/);
    const { otpId } = await pb.collection('sdk_staff').requestOTP('sdk-mfa@example.com');
    const code = /<strong>(\d+)<\/strong>/.exec((await waitMail('sdk-mfa@example.com')).body)?.[1];
    const auth = await pb.collection('sdk_staff').authWithOTP(otpId, code, { mfaId });
    assert.ok(auth.token);
    assert.equal(pb.authStore.record.email, 'sdk-mfa@example.com');
  });
});

describe('settings test email', () => {
  test('pb.settings.testEmail sends the template; bad input is 400', async () => {
    assert.equal(await su.settings.testEmail('users', 'sdk-test-email@example.com', 'verification'), true);
    const mail = await waitMail('sdk-test-email@example.com');
    assert.equal(mail.subject, 'Verify your Acme email');
    const e = await expectError(() => su.settings.testEmail('users', 'sdk-test-email@example.com', 'nope'), 400, {
      message: 'Failed to send the test email.', codes: { template: 'validation_in_invalid' },
    });
    assert.deepEqual(Object.keys(e.response.data), ['template']);
    await expectError(() => client(srv.url).settings.testEmail('users', 'x@example.com', 'verification'), 401);
  });
});

describe('smtp disabled', () => {
  test('mails land in <dataDir>/mail/*.eml', async (t) => {
    if (oursOnly(t, 'PocketBase hands mails to sendmail when SMTP is off; the .eml drop is ours')) return;
    await su.settings.update({ smtp: { enabled: false } });
    try {
      await signUp('sdk-eml@example.com');
      assert.equal(await client(srv.url).collection('users').requestVerification('sdk-eml@example.com'), true);
      const dir = path.join(srv.dir, 'mail');
      const deadline = Date.now() + 20000;
      let raw;
      while (!raw && Date.now() < deadline) {
        const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')) : [];
        raw = files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).find((m) => m.includes('sdk-eml@example.com'));
        if (!raw) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(raw, `no .eml for sdk-eml@example.com in ${dir}`);
      assert.match(raw, /^Subject: Verify your Acme email\r?$/m);
      assert.equal(sink.messages.some((m) => m.to.includes('sdk-eml@example.com')), false);
    } finally {
      await su.settings.update({ smtp: { enabled: true, host: '127.0.0.1', port: sink.port, tls: false } });
    }
  });
});
