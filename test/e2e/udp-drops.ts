// Real UDP receive-buffer drops on loopback, for the counters step: a child process binds a UDP
// socket with a tiny receive buffer and then blocks its event loop (so it never reads), while
// this process sends datagrams to it. The kernel drops what does not fit in
// __udp_queue_rcv_skb and counts Udp RcvbufErrors in /proc/net/snmp. Bounded in count and time.
import { spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';

const RECEIVER = `
const dgram = require('node:dgram');
const s = dgram.createSocket('udp4');
s.bind(0, '127.0.0.1', () => {
  s.setRecvBufferSize(2048);
  process.stdout.write(String(s.address().port) + '\\n');
  // Block the event loop: the socket is never read, its buffer fills, the kernel drops the rest.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(process.argv[1]));
  process.exit(0);
});`;

/** Udp RcvbufErrors of this machine, from /proc/net/snmp. */
export function udpRcvbufErrors(): number {
  const lines = fs.readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
  const names = lines[0].split(/\s+/);
  const values = lines[1].split(/\s+/);
  return Number(values[names.indexOf('RcvbufErrors')]);
}

/**
 * Sends bursts of datagrams to a receiver that does not read, for `durationMs`, and resolves with
 * how many were sent. At most 100 datagrams every 100 ms.
 */
export async function induceUdpDrops(durationMs: number): Promise<number> {
  const child = spawn(process.execPath, ['-e', RECEIVER, String(durationMs + 2000)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('exit', (code) => reject(new Error(`the UDP receiver exited (${code}) before binding`)));
  });
  const sender = dgram.createSocket('udp4');
  const payload = Buffer.alloc(1024, 0x6e);
  let sent = 0;
  const deadline = Date.now() + durationMs;
  try {
    while (Date.now() < deadline) {
      for (let i = 0; i < 100; i++) {
        await new Promise<void>((resolve, reject) => sender.send(payload, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
        sent++;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    sender.close();
    child.kill();
  }
  return sent;
}
