// Request logs through the SDK: pb.logs.getList / getOne / getStats (superuser only).
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, client, adminClient, expectError, rawFetch } from './harness.mjs';

let srv;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv?.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitList(pb, filter, min) {
  const deadline = Date.now() + 8000;
  let res;
  for (;;) {
    res = await pb.logs.getList(1, 50, { filter });
    if (res.items.length >= min || Date.now() > deadline) return res;
    await sleep(50);
  }
}

test('pb.logs.getList / getOne / getStats', async () => {
  const pb = await adminClient(srv.url);
  for (let i = 0; i < 2; i++) {
    const r = await rawFetch(srv.url, `/api/health?sdkmarker=${i}`);
    assert.equal(r.status, 200);
  }
  const filter = pb.filter('data.url ~ {:m}', { m: 'sdkmarker=' });
  const list = await waitList(pb, filter, 2);
  assert.equal(list.items.length, 2, JSON.stringify(list));
  assert.equal(list.page, 1);
  assert.equal(list.perPage, 50);
  assert.equal(list.totalItems, 2);
  assert.equal(list.totalPages, 1);
  const item = list.items[0];
  assert.deepEqual(Object.keys(item).sort(), ['created', 'data', 'id', 'level', 'message']);
  assert.equal(item.level, 0);
  assert.match(item.message, /^GET \/api\/health\?sdkmarker=\d$/);
  assert.equal(item.data.type, 'request');
  assert.equal(item.data.method, 'GET');
  assert.equal(item.data.status, 200);
  assert.equal(typeof item.data.execTime, 'number');
  assert.match(item.created, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z$/);

  const sorted = await pb.logs.getList(1, 1, { filter, sort: '-data.url' });
  assert.equal(sorted.items.length, 1);
  assert.equal(sorted.items[0].data.url, '/api/health?sdkmarker=1');
  assert.equal(sorted.totalPages, 2);

  const one = await pb.logs.getOne(item.id);
  assert.equal(one.id, item.id);
  assert.deepEqual(one.data, item.data);

  const stats = await pb.logs.getStats({ filter });
  assert.ok(Array.isArray(stats));
  assert.equal(stats.reduce((n, s) => n + s.total, 0), 2);
  for (const s of stats) assert.match(s.date, /^\d{4}-\d\d-\d\d \d\d:00:00\.000Z$/);

  await expectError(() => pb.logs.getOne('missing_log_id1'), 404);
  await expectError(() => pb.logs.getList(1, 10, { filter: 'nope ~ 1' }), 400);
});

test('pb.logs is superuser only', async () => {
  const guest = client(srv.url);
  await expectError(() => guest.logs.getList(), 401);
  await expectError(() => guest.logs.getStats(), 401);
  await expectError(() => guest.logs.getOne('abc'), 401);
});
