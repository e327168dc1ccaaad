// Backups through the SDK: pb.backups.getFullList/create/upload/delete/getDownloadURL/restore.
// The restore re-executes the server process on the same port; the test waits for the restored
// data to answer.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, client, adminClient, expectError } from './harness.mjs';

let srv;
let pb;
before(async () => {
  srv = await startServer();
  pb = await adminClient(srv.url);
  await pb.collections.create({
    name: 'bk_notes',
    type: 'base',
    fields: [{ name: 'title', type: 'text' }],
  });
});
after(async () => {
  await srv?.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('getFullList is empty, guests are refused', async () => {
  assert.deepEqual(await pb.backups.getFullList(), []);
  await expectError(() => client(srv.url).backups.getFullList(), 401);
});

test('create, list, download with a superuser file token, upload, delete', async () => {
  await pb.collection('bk_notes').create({ title: 'kept' });
  assert.equal(await pb.backups.create('sdk_one.zip'), true);
  await expectError(() => pb.backups.create('Bad Name.zip'), 400, { codes: { name: 'validation_match_invalid' } });

  const list = await pb.backups.getFullList();
  assert.equal(list.length, 1);
  assert.equal(list[0].key, 'sdk_one.zip');
  assert.ok(list[0].size > 0);
  assert.match(list[0].modified, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z$/);

  const token = await pb.files.getToken();
  const url = pb.backups.getDownloadURL(token, 'sdk_one.zip');
  assert.ok(url.startsWith(srv.url + '/api/backups/sdk_one.zip?token='), url);
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-disposition'), 'attachment; filename="sdk_one.zip"');
  const bytes = new Uint8Array(await res.arrayBuffer());
  assert.equal(String.fromCharCode(bytes[0], bytes[1]), 'PK');
  assert.equal((await fetch(pb.backups.getDownloadURL('', 'sdk_one.zip'))).status, 403);

  // Upload the downloaded archive under another name.
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'application/zip' }), 'sdk_copy.zip');
  assert.equal(await pb.backups.upload(form), true);
  const again = new FormData();
  again.append('file', new Blob([bytes], { type: 'application/zip' }), 'sdk_copy.zip');
  await expectError(() => pb.backups.upload(again), 400, { codes: { file: 'validation_backup_name_exists' } });
  const notZip = new FormData();
  notZip.append('file', new Blob(['plain text']), 'x.zip');
  await expectError(() => pb.backups.upload(notZip), 400, { codes: { file: 'validation_invalid_mime_type' } });

  assert.deepEqual((await pb.backups.getFullList()).map((b) => b.key), ['sdk_copy.zip', 'sdk_one.zip']);
  assert.equal(await pb.backups.delete('sdk_copy.zip'), true);
  await expectError(() => pb.backups.delete('sdk_copy.zip'), 400);
  assert.deepEqual((await pb.backups.getFullList()).map((b) => b.key), ['sdk_one.zip']);
});

test('restore brings back the backed up data after the restart', async () => {
  await pb.collection('bk_notes').create({ title: 'after the backup' });
  assert.equal((await pb.collection('bk_notes').getFullList()).length, 2);
  await expectError(() => pb.backups.restore('missing.zip'), 400);
  assert.equal(await pb.backups.restore('sdk_one.zip'), true);

  let titles = null;
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    try {
      const items = await pb.collection('bk_notes').getFullList();
      if (items.length === 1) {
        titles = items.map((r) => r.title);
        break;
      }
    } catch {
      // restarting
    }
    await sleep(100);
  }
  assert.deepEqual(titles, ['kept']);
  const health = await pb.health.check();
  assert.equal(health.data.canBackup, true);
});
