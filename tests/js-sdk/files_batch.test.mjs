// Files and batch through the SDK: Blob uploads, pb.files.getURL/getToken, protected files,
// pb.createBatch() create/update/delete/upsert after enabling batch with pb.settings.update.
import test, { before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, client, adminClient, userClient, expectError } from './harness.mjs';

const OPEN = { listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '' };

let srv;
let su;
let guest;

before(async () => {
  srv = await startServer();
  su = await adminClient(srv.url);
  guest = client(srv.url);
  await su.collections.create({
    name: 'uploads', type: 'base', ...OPEN,
    fields: [
      { name: 'title', type: 'text' },
      { name: 'doc', type: 'file', maxSelect: 1 },
      { name: 'gallery', type: 'file', maxSelect: 5, mimeTypes: ['image/png', 'text/plain'] },
      { name: 'secret', type: 'file', maxSelect: 1, protected: true },
    ],
  });
});

after(async () => {
  await srv?.stop();
});

const bytes = () => {
  const b = new Uint8Array(1024);
  for (let i = 0; i < b.length; i++) b[i] = (i * 31) & 0xff;
  b.set(new TextEncoder().encode('\r\n--boundary\r\n'), 100);
  return b;
};

describe('files', () => {
  test('upload a Blob and fetch it back via pb.files.getURL', async () => {
    const data = bytes();
    const rec = await guest.collection('uploads').create({
      title: 'blob',
      doc: new Blob([data], { type: 'application/octet-stream' }),
    });
    assert.match(rec.doc, /^blob_[a-z0-9]{10}$/);
    const url = guest.files.getURL(rec, rec.doc);
    assert.ok(url.startsWith(`${srv.url}/api/files/${rec.collectionId}/${rec.id}/`));
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), data);
    // Files may be framed by other origins (no X-Frame-Options), under a sandboxing CSP.
    assert.equal(res.headers.get('x-frame-options'), null);
    assert.equal(res.headers.get('content-security-policy'), "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox");
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const dl = await fetch(guest.files.getURL(rec, rec.doc, { download: true }));
    assert.equal(dl.headers.get('content-disposition'), `attachment; filename="${rec.doc}"`);
  });

  test('File objects keep their name; append and remove with modifiers', async () => {
    const rec = await guest.collection('uploads').create({
      gallery: [new File(['a'], 'first.txt', { type: 'text/plain' }), new File(['b'], 'second.txt', { type: 'text/plain' })],
    });
    assert.equal(rec.gallery.length, 2);
    assert.match(rec.gallery[0], /^first_[a-z0-9]{10}\.txt$/);
    const upd = await guest.collection('uploads').update(rec.id, {
      'gallery+': new File(['c'], 'third.txt', { type: 'text/plain' }),
    });
    assert.equal(upd.gallery.length, 3);
    const rm = await guest.collection('uploads').update(rec.id, { 'gallery-': [rec.gallery[0]] });
    assert.deepEqual(rm.gallery, [rec.gallery[1], upd.gallery[2]]);
    const gone = await fetch(guest.files.getURL(rec, rec.gallery[0]));
    assert.equal(gone.status, 404);
  });

  test('mime type and unknown name validation', async () => {
    await expectError(
      () => guest.collection('uploads').create({ gallery: new Blob([new Uint8Array([0, 1, 2, 3, 0, 9])]) }),
      400, { codes: { gallery: 'validation_invalid_mime_type' } });
    await expectError(() => guest.collection('uploads').create({ doc: 'nope.txt' }), 400,
      { codes: { doc: 'validation_invalid_file' } });
  });

  test('protected files need a file token', async () => {
    const rec = await su.collection('uploads').create({ secret: new File(['top'], 's.txt') });
    // viewRule "" allows anyone with the URL; lock it down first.
    await su.collections.update('uploads', { viewRule: '@request.auth.id != ""' });
    const plain = await fetch(su.files.getURL(rec, rec.secret));
    assert.equal(plain.status, 404);
    await expectError(() => guest.files.getToken(), 401, { message: 'The request requires valid record authorization token.' });
    const { pb: user } = await userClient(srv.url, 'files@example.com');
    const token = await user.files.getToken();
    const ok = await fetch(user.files.getURL(rec, rec.secret, { token }));
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'top');
    await su.collections.update('uploads', { viewRule: '' });
  });
});

describe('batch', () => {
  test('disabled by default', async () => {
    const b = su.createBatch();
    b.collection('uploads').create({ title: 'x' });
    await expectError(() => b.send(), 403, { message: 'Batch requests are not allowed.' });
  });

  test('create/update/delete/upsert in one transaction', async () => {
    const s = await su.settings.update({ batch: { enabled: true, maxRequests: 50, timeout: 3 } });
    assert.equal(s.batch.enabled, true);
    const a = await guest.collection('uploads').create({ title: 'a' });
    const b = await guest.collection('uploads').create({ title: 'b' });
    const batch = guest.createBatch();
    batch.collection('uploads').create({ title: 'c', doc: new File(['batch file'], 'bf.txt') });
    batch.collection('uploads').update(a.id, { title: 'a2' });
    batch.collection('uploads').delete(b.id);
    batch.collection('uploads').upsert({ id: a.id, title: 'a3' });
    batch.collection('uploads').upsert({ title: 'new via upsert' });
    const res = await batch.send();
    assert.deepEqual(res.map((r) => r.status), [200, 200, 204, 200, 200]);
    assert.equal(res[0].body.title, 'c');
    const f = await fetch(guest.files.getURL(res[0].body, res[0].body.doc));
    assert.equal(await f.text(), 'batch file');
    assert.equal(res[3].body.title, 'a3');
    assert.equal(res[4].body.title, 'new via upsert');
    await expectError(() => guest.collection('uploads').getOne(b.id), 404);
  });

  test('a failing item rolls back everything', async () => {
    const before = await guest.collection('uploads').getList(1, 1);
    const batch = guest.createBatch();
    batch.collection('uploads').create({ title: 'rolled back', doc: new File(['x'], 'x.txt') });
    batch.collection('uploads').create({ doc: 'unknown.txt' });
    const err = await expectError(() => batch.send(), 400, { message: 'Batch transaction failed.' });
    assert.equal(err.response.data.requests['1'].code, 'batch_request_failed');
    assert.equal(err.response.data.requests['1'].response.data.doc.code, 'validation_invalid_file');
    const afterList = await guest.collection('uploads').getList(1, 1);
    assert.equal(afterList.totalItems, before.totalItems);
  });
});
