// Hosts for the counters panel: `Host` entries of ~/.ssh/config, or a name typed by the user.
// A host is only ever one argv element of ssh (after `--`), never shell text, but it is still
// checked so that it can be neither an option nor anything but a host alias or [user@]host[:port-less].
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const HOST = /^(?:[A-Za-z0-9._+-]+@)?(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])$/;

/** The host alias, trimmed, or an Error saying what is wrong with it. */
export function validateHost(input: string): string {
  const h = input.trim();
  if (!h) throw new Error('no host given');
  if (h.length > 255) throw new Error('the host name is longer than 255 characters');
  if (h.startsWith('-')) throw new Error(`"${h}" is not a host: it starts with "-"`);
  if (!HOST.test(h)) throw new Error(`"${h}" is not a host alias or [user@]hostname: only letters, digits and . _ - + @ are allowed`);
  return h;
}

/** Concrete `Host` names of an ssh_config text (patterns with *, ? or ! are not hosts one can pick). */
export function sshConfigHosts(text: string): string[] {
  const hosts = new Set<string>();
  for (const line of text.split('\n')) {
    const m = line.match(/^\s*Host(?:\s*=\s*|\s+)(.+)$/i);
    if (!m) continue;
    for (const name of m[1].replace(/#.*$/, '').trim().split(/\s+/)) {
      if (!name || /[*?!]/.test(name)) continue;
      try {
        hosts.add(validateHost(name));
      } catch {
        // not something we would pass to ssh
      }
    }
  }
  return [...hosts];
}

export function userSshConfigHosts(file = path.join(os.homedir(), '.ssh', 'config')): string[] {
  try {
    return sshConfigHosts(fs.readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}
