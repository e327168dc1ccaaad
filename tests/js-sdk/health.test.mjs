// GET /api/health through the SDK (pb.health.check) and the raw wire shape.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, client, adminClient, rawFetch } from './harness.mjs';

let srv;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv?.stop();
});

test('pb.health.check() as guest', async () => {
  const pb = client(srv.url);
  const res = await pb.health.check();
  assert.equal(res.code, 200);
  assert.equal(res.message, 'API is healthy.');
  assert.deepEqual(res.data, {});
});

test('pb.health.check() as superuser has data object', async () => {
  const pb = await adminClient(srv.url);
  const res = await pb.health.check();
  assert.equal(res.code, 200);
  assert.equal(res.message, 'API is healthy.');
  assert.equal(typeof res.data, 'object');
  assert.ok(res.data !== null);
  assert.ok('canBackup' in res.data, `superuser health data: ${JSON.stringify(res.data)}`);
});

test('raw /api/health: JSON content type, with an SDK-style JSON content type on GET', async () => {
  const res = await rawFetch(srv.url, '/api/health', { headers: { 'Content-Type': 'application/json' } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') || '', /^application\/json/);
  assert.deepEqual(res.json, { message: 'API is healthy.', code: 200, data: {} });
  // The security headers of every response.
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN');
  assert.equal(res.headers.get('x-xss-protection'), '1; mode=block');
  assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
});

test('unknown route gives a 404 ApiError envelope', async () => {
  const res = await rawFetch(srv.url, '/api/definitely-not-a-route');
  assert.equal(res.status, 404);
  assert.equal(res.json?.status, 404);
  assert.equal(typeof res.json?.message, 'string');
  assert.deepEqual(res.json?.data, {});
});
