// Real UDP receive-buffer drops on loopback: a child process binds a socket with a tiny SO_RCVBUF
// and then blocks its event loop, so the socket is never read; the test sends a bounded burst.
import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';

const CHILD = `
const dgram = require('node:dgram');
const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 1024 });
s.bind(0, '127.0.0.1', () => {
  process.stdout.write(String(s.address().port) + '\\n', () => {
    // Block the event loop (bounded: 120 s) so libuv never reads the socket.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120000);
    process.exit(0);
  });
});
`;

export class UnreadUdpSocket {
  private constructor(private readonly child: ChildProcess, readonly port: number, readonly inode: string) {}

  static async open(): Promise<UnreadUdpSocket> {
    const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (s: string) => {
        out += s;
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
      child.once('exit', (c) => reject(new Error(`the UDP socket process exited (${c}) before binding`)));
    });
    // Its inode, from /proc/net/udp by local port (column 2, "0100007F:PORT" in hex).
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
    const row = fs.readFileSync('/proc/net/udp', 'utf8').split('\n').find((l) => l.trim().split(/\s+/)[1] === `0100007F:${hexPort}`);
    if (!row) throw new Error(`socket 127.0.0.1:${port} not in /proc/net/udp`);
    return new UnreadUdpSocket(child, port, row.trim().split(/\s+/)[9]);
  }

  /** Key of this socket's drops counter in the model. */
  get dropsKey(): string {
    return `udp.127.0.0.1:${this.port}#${this.inode}.drops`;
  }

  /** Sends `count` datagrams of `size` bytes (bounded), awaiting each send. */
  async flood(count = 2000, size = 512): Promise<void> {
    const s = dgram.createSocket('udp4');
    const buf = Buffer.alloc(size, 0x61);
    try {
      for (let i = 0; i < count; i++) await new Promise<void>((resolve, reject) => s.send(buf, this.port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
    } finally {
      s.close();
    }
  }

  close(): void {
    this.child.kill('SIGKILL');
  }
}
