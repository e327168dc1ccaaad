// Shared harness for the SDK conformance suite.
//
// startServer() boots a fresh `PB_BIN serve` on a free loopback port with its own
// temp data dir (after creating the superuser with `PB_BIN superuser upsert`),
// waits for GET /api/health == 200 and returns {url, dir, stop()}.
//
// PB_BIN may be our `pb` or PocketBase's own binary (the differential run, `make
// test-differential`): SERVER is 'ours' or 'pocketbase' (PB_SERVER, else detected from
// `PB_BIN --version`). A test of something only our server has calls oursOnly(t, reason).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import PocketBase, { ClientResponseError } from 'pocketbase';

export { PocketBase, ClientResponseError };

export const SU_EMAIL = 'admin@example.com';
export const SU_PASSWORD = 'Passw0rd!123';

const here = path.dirname(fileURLToPath(import.meta.url));

export function pbBin() {
  const bin = process.env.PB_BIN || path.resolve(here, '../../build/pb');
  if (!fs.existsSync(bin)) {
    throw new Error(`server binary not found: ${bin} (set PB_BIN or run: bash tests/js-sdk/run.sh path/to/pb)`);
  }
  return bin;
}

/** 'pocketbase' when PB_BIN is PocketBase itself, else 'ours'. */
export const SERVER = detectServer();
export const IS_POCKETBASE = SERVER === 'pocketbase';

function detectServer() {
  const env = process.env.PB_SERVER;
  if (env) {
    if (env !== 'ours' && env !== 'pocketbase') throw new Error(`PB_SERVER must be 'ours' or 'pocketbase', not '${env}'`);
    return env;
  }
  const r = spawnSync(pbBin(), ['--version'], { encoding: 'utf8', timeout: 10000 });
  return /^pocketbase version /m.test(r.stdout || '') ? 'pocketbase' : 'ours';
}

/**
 * Skips test `t` on PocketBase (something only our server has: plugins, our test hooks, our
 * settings); the reason is printed in the test report. Returns true when skipped:
 *   test('x', async (t) => { if (oursOnly(t, 'why')) return; ... })
 */
export function oursOnly(t, reason) {
  if (!IS_POCKETBASE) return false;
  t.skip(`ours only: ${reason}`);
  return true;
}

// Servers and SDK clients still alive, torn down on exit whatever happened (a failed test
// must not leave a server running or an SSE stream reconnecting forever).
const liveServers = new Map(); // child process -> its temp root
const liveClients = new Set();
function killAllServers() {
  for (const [child, root] of liveServers) {
    try {
      child.kill('SIGKILL');
      fs.rmSync(root, { recursive: true, force: true });
    } catch {
      // already gone
    }
  }
}
process.on('exit', killAllServers);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    killAllServers();
    process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
  });
}

/**
 * Drops the realtime subscriptions of the given clients and closes their SSE streams locally
 * (no request, so it works when the server is gone) and stops the SDK's reconnects. For
 * `finally` blocks: a test that fails before it unsubscribes must not keep the process alive.
 */
export function closeRealtime(...clients) {
  for (const pb of clients) {
    try {
      pb?.realtime.disconnect(); // the SDK's own local teardown (a private method in its typings)
    } catch {
      // best effort
    }
  }
}

/** closeRealtime() for every client made by client()/adminClient()/userClient(). */
export function disconnectAllClients() {
  closeRealtime(...liveClients);
  liveClients.clear();
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// prepare(bin, dir), when given, replaces the superuser upsert (it must return a spawnSync
// result); e.g. the getting-started test runs the document's own command there.
export async function startServer({ timeoutMs = 10000, prepare } = {}) {
  const bin = pbBin();
  // <root>/pb_data: PocketBase resolves pb_migrations/pb_hooks/pb_public next to the data dir,
  // so they must not land in (or be read from) the shared temp folder.
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'pb-sdk-'));
  const dir = path.join(root, 'pb_data');
  await fsp.mkdir(dir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const extra = IS_POCKETBASE
    ? ['--automigrate=false', '--migrationsDir', path.join(root, 'pb_migrations'),
      '--hooksDir', path.join(root, 'pb_hooks'), '--publicDir', path.join(root, 'pb_public')]
    : [];

  const up = prepare
    ? prepare(bin, dir)
    : spawnSync(bin, ['superuser', 'upsert', SU_EMAIL, SU_PASSWORD, '--dir', dir, ...extra], {
        encoding: 'utf8',
        timeout: 30000,
      });
  if (up.status !== 0) {
    await fsp.rm(root, { recursive: true, force: true });
    throw new Error(
      `superuser upsert failed (status ${up.status}, signal ${up.signal}, error ${up.error?.message})\n` +
        `stdout: ${up.stdout}\nstderr: ${up.stderr}`,
    );
  }

  const child = spawn(bin, ['serve', '--http', `127.0.0.1:${port}`, '--dir', dir, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveServers.set(child, root);
  let output = '';
  const keep = (chunk) => {
    output += chunk.toString();
    if (output.length > 200000) output = output.slice(-100000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      liveServers.delete(child);
      resolve(exited);
    });
  });

  let stopped = false;
  async function stop() {
    if (stopped) return;
    stopped = true;
    disconnectAllClients();
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, 5000);
      await exitPromise;
      clearTimeout(t);
    }
    await fsp.rm(root, { recursive: true, force: true });
  }

  const deadline = Date.now() + timeoutMs;
  let lastErr = null;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`server exited early (${JSON.stringify(exited)}); output:\n${output}`);
    }
    try {
      const res = await fetch(url + '/api/health', { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) {
        await res.arrayBuffer();
        break;
      }
      lastErr = new Error(`health status ${res.status}`);
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`server not healthy within ${timeoutMs} ms (${lastErr?.message}); output:\n${output}`);
    }
    await sleep(100);
  }

  return { url, dir, port, stop, output: () => output };
}

/** A fresh SDK client (guest) with auto-cancellation off. */
export function client(url) {
  const pb = new PocketBase(url);
  pb.autoCancellation(false);
  liveClients.add(pb);
  return pb;
}

/** A PocketBase client authenticated as the superuser (auto-cancellation off). */
export async function adminClient(url) {
  const pb = client(url);
  await pb.collection('_superusers').authWithPassword(SU_EMAIL, SU_PASSWORD);
  return pb;
}

/** Creates a user in `users` (or another auth collection) and returns an authenticated client + record. */
export async function userClient(url, email, password = 'Secret12345', extra = {}, collection = 'users') {
  const guest = client(url);
  const rec = await guest.collection(collection).create({ email, password, passwordConfirm: password, ...extra });
  const pb = client(url);
  await pb.collection(collection).authWithPassword(email, password);
  return { pb, record: rec, password };
}

/**
 * Awaits `promise` (or calls it, if it is a function), expects it to reject with a ClientResponseError of `status`.
 * Optional `message` (exact) and `data` field codes ({field: code}) are checked.
 * Returns the error for further checks.
 */
export async function expectError(promise, status, { message, codes } = {}) {
  let err;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected the request to fail with ${status}, but it succeeded`);
  assert.ok(err instanceof ClientResponseError, `expected ClientResponseError, got ${err}`);
  assert.equal(err.status, status, `expected status ${status}, got ${err.status}: ${JSON.stringify(err.response)}`);
  if (message !== undefined) {
    assert.equal(err.response?.message, message, `body: ${JSON.stringify(err.response)}`);
  }
  if (codes) {
    for (const [field, code] of Object.entries(codes)) {
      const got = err.response?.data?.[field];
      assert.ok(got && typeof got === 'object', `expected data.${field} in ${JSON.stringify(err.response)}`);
      if (code) assert.equal(got.code, code, `data.${field}.code in ${JSON.stringify(err.response)}`);
      assert.equal(typeof got.message, 'string', `data.${field}.message in ${JSON.stringify(err.response)}`);
    }
  }
  return err;
}

/** Checks the standard ApiError envelope {status, message, data} of a ClientResponseError. */
export function assertEnvelope(err, status) {
  const body = err.response;
  assert.equal(body.status, status, `envelope status: ${JSON.stringify(body)}`);
  assert.equal(typeof body.message, 'string', `envelope message: ${JSON.stringify(body)}`);
  assert.ok(body.message.length > 0);
  assert.ok(/[.?!]$/.test(body.message), `message should end with punctuation: ${body.message}`);
  assert.ok(body.data && typeof body.data === 'object' && !Array.isArray(body.data), `envelope data: ${JSON.stringify(body)}`);
}

/** Raw fetch helper (for things the SDK hides, e.g. headers). */
export async function rawFetch(url, pathAndQuery, { method = 'GET', token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = token;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const res = await fetch(url + pathAndQuery, {
    method,
    headers: h,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export const DATETIME_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const ID_RE = /^[a-z0-9]{15}$/;

/** crc32 (IEEE) of a string, as used by PocketBase for collection and field ids. */
export function crc32(str) {
  let c;
  let crc = 0xffffffff;
  const bytes = Buffer.from(str, 'utf8');
  for (const b of bytes) {
    c = (crc ^ b) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
