// docs/getting-started.md, run as written: its `superuser upsert` command creates the superuser
// of a fresh data dir, then its JavaScript SDK script runs against that server and must print
// what the document says it prints. The code is read from the document, so the two cannot drift.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const docPath = path.resolve(here, '../../docs/getting-started.md');
const doc = fs.readFileSync(docPath, 'utf8');

function blocks(lang) {
  const out = [];
  for (const m of doc.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm)) if (m[1] === lang) out.push(m[2]);
  return out;
}

let srv;
before(async () => {
  const cmd = blocks('sh').find((b) => b.includes('superuser upsert'));
  assert.ok(cmd, 'getting-started.md has no superuser upsert block');
  srv = await startServer({
    // The document's command, with its binary and data dir pointed at this test's.
    prepare: (bin, dir) =>
      spawnSync('bash', ['-e', '-c', cmd.replaceAll('build/pb', JSON.stringify(bin)).replaceAll('pb_data', JSON.stringify(dir))], {
        encoding: 'utf8',
        timeout: 30000,
      }),
  });
});
after(async () => {
  await srv?.stop();
});

test('getting-started: the SDK script runs and prints what the document says', { timeout: 60000 }, () => {
  const [script] = blocks('js');
  assert.ok(script, 'getting-started.md has no js block');
  const expected = /console\.log\(.*\/\/ (.*)$/m.exec(script)?.[1];
  assert.ok(expected, 'the script states its output in a comment');
  // Written next to this test so `import 'pocketbase'` resolves to tests/js-sdk/node_modules.
  const file = path.join(here, `.getting-started-${process.pid}.mjs`);
  fs.writeFileSync(file, script.replaceAll('http://127.0.0.1:8090', srv.url));
  try {
    const run = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 30000 });
    // (the tail only: node quotes the SDK's minified source line before the error)
    assert.equal(run.status, 0, `script failed:\n${run.stdout}\n${run.stderr.slice(-1500)}`);
    assert.equal(run.stdout.trim(), expected);
  } finally {
    fs.rmSync(file, { force: true });
  }
});
