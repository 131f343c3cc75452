// A minimal hand-written tree that passes the kernel-tree check, for unit tests of bad
// input and caching. Real-kernel behaviour is tested on the Debian trees (kernels.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function makeFakeTree(files: Record<string, string | Buffer> = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'netpath-tree-'));
  const base: Record<string, string | Buffer> = {
    'Makefile': 'VERSION = 6\nPATCHLEVEL = 99\nSUBLEVEL = 0\nEXTRAVERSION = -test\n',
    'Kbuild': '',
    'include/linux/skbuff.h': 'struct sk_buff { struct net_device *dev; };\nvoid kfree_skb(struct sk_buff *skb);\n',
    'net/core/dev.c': 'int netif_receive_skb(struct sk_buff *skb)\n{\n\treturn deliver(skb);\n}\n',
    'net/core/Makefile': 'obj-y += dev.o\n',
    ...files,
  };
  for (const [rel, content] of Object.entries(base)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  return root;
}

export function removeTree(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
