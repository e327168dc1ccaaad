// Email flows and OTP through the SDK: requestVerification + confirmVerification,
// requestPasswordReset + confirmPasswordReset, requestOTP + authWithOTP, MFA with mfaId.
// SMTP is off in the test server, so mails land in <dataDir>/mail/*.eml (quoted-printable).
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, client, adminClient, expectError } from './harness.mjs';

let srv, su;
before(async () => {
  srv = await startServer();
  su = await adminClient(srv.url);
  await su.collections.update('users', { otp: { enabled: true, length: 6 } });
});
after(async () => {
  await srv?.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const seen = new Set();

function decodeQP(s) {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

/** Waits for a new mail to `to` in the server's data dir; returns {subject, body}. */
async function waitMail(to, timeoutMs = 20000) {
  const dir = path.join(srv.dir, 'mail');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).sort() : [];
    for (const f of files) {
      if (seen.has(f)) continue;
      const raw = fs.readFileSync(path.join(dir, f), 'utf8');
      const [head, ...rest] = raw.split('\r\n\r\n');
      if (!head.includes(`To: <${to}>`)) continue;
      seen.add(f);
      return { subject: /^Subject: (.*)$/m.exec(head)?.[1].trim(), body: decodeQP(rest.join('\r\n\r\n')) };
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${to} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

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
