// Real UDP receive-buffer drops on loopback: a child process binds a socket with a tiny SO_RCVBUF
// and then blocks its event loop, so the socket is never read; the test sends a bounded burst.
import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';

const CHILD = `
const dgram = require('node:dgram');
const v6 = process.argv[1] === 'udp6';
const s = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4', recvBufferSize: 1024 });
s.bind(0, v6 ? '::1' : '127.0.0.1', () => {
  process.stdout.write(String(s.address().port) + '\\n', () => {
    // Block the event loop (bounded: 120 s) so libuv never reads the socket.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120000);
    process.exit(0);
  });
});
`;

export class UnreadUdpSocket {
  private constructor(private readonly child: ChildProcess, readonly port: number, readonly inode: string, readonly family: 'udp4' | 'udp6') {}

  static async open(family: 'udp4' | 'udp6' = 'udp4'): Promise<UnreadUdpSocket> {
    const child = spawn(process.execPath, ['-e', CHILD, family === 'udp6' ? 'udp6' : 'udp4'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.setEncoding('utf8');
      child.stdout!.on('data', (s: string) => {
        out += s;
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
      child.once('exit', (c) => reject(new Error(`the UDP socket process exited (${c}) before binding`)));
    });
    // Its inode, from /proc/net/udp(6) by local address and port (column 2, in hex as the kernel prints it).
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
    const [file, local] = family === 'udp6' ? ['/proc/net/udp6', '00000000000000000000000001000000'] : ['/proc/net/udp', '0100007F'];
    const row = fs.readFileSync(file, 'utf8').split('\n').find((l) => l.trim().split(/\s+/)[1] === `${local}:${hexPort}`);
    if (!row) throw new Error(`socket port ${port} not in ${file}`);
    return new UnreadUdpSocket(child, port, row.trim().split(/\s+/)[9], family);
  }

  /** Key of this socket's drops counter in the model. */
  get dropsKey(): string {
    return this.family === 'udp6' ? `udp6.[::1]:${this.port}#${this.inode}.drops` : `udp.127.0.0.1:${this.port}#${this.inode}.drops`;
  }

  /** Sends `count` datagrams of `size` bytes (bounded), awaiting each send. */
  async flood(count = 2000, size = 512): Promise<void> {
    const s = dgram.createSocket(this.family);
    const buf = Buffer.alloc(size, 0x61);
    try {
      for (let i = 0; i < count; i++) await new Promise<void>((resolve, reject) => s.send(buf, this.port, this.family === 'udp6' ? '::1' : '127.0.0.1', (e) => (e ? reject(e) : resolve())));
    } finally {
      s.close();
    }
  }

  close(): void {
    this.child.kill('SIGKILL');
  }
}
