// A minimal SMTP sink on a loopback port (no TLS, no AUTH), so the mail tests read what a server
// really sent over SMTP. It is the same path for our server and for PocketBase (which has no
// "write mails to the data dir" mode): the test points `settings.smtp` at it.
import net from 'node:net';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Decodes a quoted-printable body (soft line breaks and =XX escapes). */
export function decodeQP(s) {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

/** Starts the sink; returns {port, messages, waitMail(to, ms), close()}. */
export async function startSmtpSink() {
  const messages = []; // {from, to: [addr], raw}
  const sockets = new Set();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    let buf = '';
    let inData = false;
    let cur = { from: '', to: [], raw: '' };
    const reply = (line) => sock.write(line + '\r\n');
    reply('220 sdk-sink ESMTP');
    sock.on('data', (chunk) => {
      buf += chunk.toString('latin1');
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          const atStart = buf.startsWith('.\r\n');
          if (end < 0 && !atStart) return;
          const body = atStart ? '' : buf.slice(0, end);
          buf = atStart ? buf.slice(3) : buf.slice(end + 5);
          cur.raw = body.replace(/\r\n\.\./g, '\r\n.');
          messages.push(cur);
          cur = { from: '', to: [], raw: '' };
          inData = false;
          reply('250 OK queued');
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') {
          reply('250-sdk-sink');
          reply('250 8BITMIME');
        } else if (verb === 'HELO') reply('250 sdk-sink');
        else if (verb === 'MAIL') {
          cur.from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          reply('250 OK');
        } else if (verb === 'RCPT') {
          cur.to.push((/<([^>]*)>/.exec(line)?.[1] ?? '').toLowerCase());
          reply('250 OK');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 End data with <CR><LF>.<CR><LF>');
        } else if (verb === 'QUIT') {
          reply('221 Bye');
          sock.end();
          return;
        } else if (verb === 'RSET' || verb === 'NOOP') reply('250 OK');
        else reply('502 Command not implemented');
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const seen = new Set();

  /** Waits for a not yet returned message to `to`; returns {subject, body (QP-decoded), raw}. */
  async function waitMail(to, timeoutMs = 20000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = messages.find((x) => !seen.has(x) && x.to.includes(to.toLowerCase()));
      if (m) {
        seen.add(m);
        const [head] = m.raw.split('\r\n\r\n');
        const unfolded = head.replace(/\r\n[ \t]+/g, ' ');
        return { subject: /^Subject: (.*)$/im.exec(unfolded)?.[1].trim(), body: decodeQP(m.raw), raw: m.raw };
      }
      if (Date.now() > deadline) throw new Error(`no mail to ${to} within ${timeoutMs} ms (${messages.length} received)`);
      await sleep(50);
    }
  }

  function close() {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(() => r()));
  }

  return { port: server.address().port, messages, waitMail, close };
}
