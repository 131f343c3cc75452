// Map each .c file to the object it is linked into, from Kbuild makefiles:
//   obj-$(CONFIG_TAP) += tap.o          -> drivers/net/tap.c is module "tap" (or built in)
//   obj-$(CONFIG_IXGBE) += ixgbe.o
//   ixgbe-y := ixgbe_main.o ...         -> ixgbe_main.c is part of module "ixgbe"
// Only the makefile text is read; Kconfig (bool vs tristate) is not, so a CONFIG_ object is
// reported as "either": a probe must then try module("m") and kernel.

export type LinkKind = 'builtin' | 'module' | 'either';
export interface ObjectInfo { module: string; kind: LinkKind; config?: string; makefile: string }
export type KbuildMap = Record<string, ObjectInfo>;

interface Assignment { lhs: string; values: string[] }

/** Logical lines with continuations joined and comments dropped. */
function assignments(text: string): Assignment[] {
  const out: Assignment[] = [];
  const joined = text.replace(/\\\r?\n/g, ' ');
  for (const raw of joined.split('\n')) {
    const line = raw.replace(/(^|[^\\])#.*$/, '$1').trim();
    const m = /^([A-Za-z0-9_.\-$()]+)\s*(\+=|:=|=|\?=)\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({ lhs: m[1], values: m[3].split(/\s+/).filter(Boolean) });
  }
  return out;
}

/** Parse one makefile; `dir` is its folder relative to the tree ('' for the top). */
export function parseKbuild(text: string, makefile: string, dir: string): KbuildMap {
  const asg = assignments(text);
  // Members of composite objects: name-y, name-objs, name-$(CONFIG_X)
  const members = new Map<string, string[]>();
  for (const a of asg) {
    const m = /^([A-Za-z0-9_-]+)-(y|objs|\$\(CONFIG_[A-Za-z0-9_]+\))$/.exec(a.lhs);
    if (!m || m[1] === 'obj' || m[1] === 'lib' || m[1] === 'subdir' || m[1] === 'ccflags' || m[1] === 'asflags') continue;
    const list = members.get(m[1]) ?? [];
    for (const v of a.values) if (v.endsWith('.o')) list.push(v);
    members.set(m[1], list);
  }
  const out: KbuildMap = {};
  const prefix = dir ? `${dir}/` : '';
  const add = (obj: string, info: Omit<ObjectInfo, 'makefile'>, depth: number) => {
    const base = obj.slice(0, -2);
    const parts = members.get(base.split('/').pop()!);
    if (parts && parts.length && depth < 4) {
      for (const p of parts) {
        if (p === obj) { out[`${prefix}${base}.c`] ??= { ...info, makefile }; continue; }
        add(p, info, depth + 1);
      }
    } else {
      out[`${prefix}${base}.c`] ??= { ...info, makefile };
    }
  };
  for (const a of asg) {
    const m = /^obj-(y|m|\$\((CONFIG_[A-Za-z0-9_]+)\))$/.exec(a.lhs);
    if (!m) continue;
    const kind: LinkKind = m[1] === 'y' ? 'builtin' : m[1] === 'm' ? 'module' : 'either';
    for (const v of a.values) {
      if (!v.endsWith('.o')) continue;
      const module = v.slice(0, -2).split('/').pop()!;
      add(v, { module, kind, ...(m[2] ? { config: m[2] } : {}) }, 0);
    }
  }
  return out;
}
