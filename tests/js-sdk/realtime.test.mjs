// Realtime (SSE) through the official SDK: pb.collection(x).subscribe('*' | id, cb),
// unsubscribe, rules per subscriber, options (fields/filter) and custom topics.
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { startServer, client, adminClient, userClient, expectError, rawFetch, closeRealtime } from './harness.mjs';

globalThis.EventSource ??= EventSource;

let srv, su;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `body(...clients)` and always closes the clients' realtime streams afterwards, so a
 * failing assertion cannot leave a subscription (and its reconnect loop) behind.
 */
async function withRealtime(clients, body) {
  try {
    await body(...clients);
  } finally {
    closeRealtime(...clients);
  }
}

/** Collects events of one subscription; waitFor(n) resolves once n events arrived. */
function collector() {
  const events = [];
  let waiters = [];
  const cb = (e) => {
    events.push(e);
    waiters = waiters.filter((w) => {
      if (events.length >= w.n) {
        w.resolve(events.slice(0, w.n));
        return false;
      }
      return true;
    });
  };
  const waitFor = (n, ms = 5000) =>
    new Promise((resolve, reject) => {
      if (events.length >= n) return resolve(events.slice(0, n));
      const t = setTimeout(() => reject(new Error(`timeout: ${events.length}/${n} events ${JSON.stringify(events)}`)), ms);
      waiters.push({ n, resolve: (v) => { clearTimeout(t); resolve(v); } });
    });
  return { events, cb, waitFor };
}

before(async () => {
  srv = await startServer();
  su = await adminClient(srv.url);
  await su.collections.create({
    name: 'rt_open', type: 'base',
    listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '',
    fields: [{ name: 'title', type: 'text' }, { name: 'secret', type: 'text', hidden: true }],
  });
  await su.collections.create({
    name: 'rt_rules', type: 'base',
    listRule: 'public = true', viewRule: 'public = true', createRule: null, updateRule: null, deleteRule: null,
    fields: [{ name: 'title', type: 'text' }, { name: 'public', type: 'bool' }],
  });
});

after(async () => {
  await srv?.stop();
});

describe('realtime', () => {
  test('subscribe("*") receives create, update and delete', async () => {
    await withRealtime([client(srv.url)], async (pb) => {
      const c = collector();
      const unsubscribe = await pb.collection('rt_open').subscribe('*', c.cb);
      assert.equal(pb.realtime.isConnected, true);
      assert.equal(pb.realtime.clientId.length, 40);

      const rec = await su.collection('rt_open').create({ title: 'one', secret: 'x' });
      await su.collection('rt_open').update(rec.id, { title: 'two' });
      await su.collection('rt_open').delete(rec.id);
      // Events of separate requests may arrive in any order on PocketBase: match them by action.
      const byAction = Object.fromEntries((await c.waitFor(3)).map((e) => [e.action, e]));
      assert.deepEqual(Object.keys(byAction).sort(), ['create', 'delete', 'update']);
      const { create: e1, update: e2, delete: e3 } = byAction;
      assert.equal(e1.action, 'create');
      assert.equal(e1.record.id, rec.id);
      assert.equal(e1.record.title, 'one');
      assert.equal(e1.record.collectionName, 'rt_open');
      assert.equal(e1.record.secret, undefined, 'hidden field must not reach a guest');
      assert.equal(e2.action, 'update');
      assert.equal(e2.record.title, 'two');
      assert.equal(e3.action, 'delete');
      assert.equal(e3.record.id, rec.id);

      await unsubscribe();
      await sleep(100);
      assert.equal(pb.realtime.isConnected, false, 'removing the last listener closes the stream');
      await su.collection('rt_open').create({ title: 'after' });
      await sleep(300);
      assert.equal(c.events.length, 3);
    });
  });

  test('subscribe(id) receives only that record; options (fields) apply', async () => {
    await withRealtime([client(srv.url)], async (pb) => {
      const a = await su.collection('rt_open').create({ title: 'a' });
      const b = await su.collection('rt_open').create({ title: 'b' });
      const one = collector();
      const picked = collector();
      await pb.collection('rt_open').subscribe(a.id, one.cb);
      await pb.collection('rt_open').subscribe('*', picked.cb, { fields: 'id,title' });
      await su.collection('rt_open').update(b.id, { title: 'b2' });
      await su.collection('rt_open').update(a.id, { title: 'a2' });
      const [ev] = await one.waitFor(1);
      assert.equal(ev.action, 'update');
      assert.equal(ev.record.id, a.id);
      assert.equal(ev.record.title, 'a2');
      const picks = await picked.waitFor(2); // any order (separate requests)
      const byId = Object.fromEntries(picks.map((e) => [e.record.id, e.record]));
      assert.deepEqual(byId[b.id], { id: b.id, title: 'b2' });
      assert.deepEqual(byId[a.id], { id: a.id, title: 'a2' });
      await sleep(200);
      assert.equal(one.events.length, 1);

      // Unsubscribing one topic keeps the other (the SDK re-POSTs the reduced list).
      await pb.collection('rt_open').unsubscribe(a.id);
      await su.collection('rt_open').update(a.id, { title: 'a3' });
      await picked.waitFor(3);
      await sleep(200);
      assert.equal(one.events.length, 1);
      await pb.collection('rt_open').unsubscribe();
    });
  });

  test('a guest does not receive records hidden by the list/view rules; a superuser does', async () => {
    await withRealtime([client(srv.url), await adminClient(srv.url)], async (guest, admin) => {
      const g = collector();
      const s = collector();
      await guest.collection('rt_rules').subscribe('*', g.cb);
      await admin.collection('rt_rules').subscribe('*', s.cb);
      const hidden = await su.collection('rt_rules').create({ title: 'hidden', public: false });
      const shown = await su.collection('rt_rules').create({ title: 'shown', public: true });
      // Two separate requests: PocketBase does not order their events (it sends each from its own
      // goroutine), so compare them as a set.
      const both = await s.waitFor(2);
      assert.deepEqual(both.map((e) => e.record.id).sort(), [hidden.id, shown.id].sort());
      const [g1] = await g.waitFor(1);
      assert.equal(g1.record.id, shown.id);

      // View rule on a single-record subscription.
      const gv = collector();
      await guest.collection('rt_rules').subscribe(hidden.id, gv.cb);
      await su.collection('rt_rules').update(hidden.id, { title: 'hidden2' });
      await s.waitFor(3);
      await sleep(300);
      assert.equal(gv.events.length, 0);
      assert.equal(g.events.length, 1);
      await guest.realtime.unsubscribe();
      await admin.realtime.unsubscribe();
    });
  });

  test('an authenticated subscriber sees what its rules allow', async () => {
    const { pb: user } = await userClient(srv.url, 'rt-user@example.com');
    await withRealtime([user], async (pb) => {
      await su.collections.update('rt_rules', { listRule: "public = true || @request.auth.id != ''" });
      const c = collector();
      await pb.collection('rt_rules').subscribe('*', c.cb);
      const rec = await su.collection('rt_rules').create({ title: 'private', public: false });
      const [ev] = await c.waitFor(1);
      assert.equal(ev.record.id, rec.id);
      await pb.realtime.unsubscribe();
    });
  });

  test('custom topics and PB_CONNECT handshake', async () => {
    await withRealtime([client(srv.url)], async (pb) => {
      const seen = [];
      await pb.realtime.subscribe('PB_CONNECT', (e) => seen.push(e));
      assert.ok(pb.realtime.clientId);
      await sleep(50);
      assert.equal(seen[0]?.clientId, pb.realtime.clientId);
      await pb.realtime.unsubscribe();
    });
  });

  test('POST /api/realtime errors', async () => {
    const r = await rawFetch(srv.url, '/api/realtime', { method: 'POST', body: { clientId: 'missing', subscriptions: [] } });
    assert.equal(r.status, 404);
    assert.equal(r.json.message, 'Missing or invalid client id.');
    const v = await rawFetch(srv.url, '/api/realtime', { method: 'POST', body: { clientId: '', subscriptions: [] } });
    assert.equal(v.status, 400);
    assert.equal(v.json.data.clientId.code, 'validation_required');
    await expectError(() => su.send('/api/realtime', { method: 'POST', body: { clientId: 'x'.repeat(256) } }), 400);
  });
});
