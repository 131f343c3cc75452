// /proc/net/snmp and /proc/net/netstat: pairs of "Group: names..." / "Group: values..." lines,
// parsed by name; /proc/net/snmp6: "Name value" per line. Fields the kernel adds later are kept.
import { MIB_GAUGES } from '../knowledge';
import type { Counter } from '../types';
import { decimal, fields, lines } from './numbers';

export function parseMibPairs(text: string, source = 'snmp'): Counter[] {
  const out: Counter[] = [];
  const ls = lines(text);
  for (let i = 0; i + 1 < ls.length; i++) {
    const head = ls[i].match(/^(\w+):\s(.*)$/);
    const vals = ls[i + 1].match(/^(\w+):\s(.*)$/);
    if (!head || !vals || head[1] !== vals[1]) continue;
    const names = fields(head[2]);
    const values = fields(vals[2]);
    // A names line is followed by its values line; the values must all be numbers.
    if (names.some((n) => decimal(n) !== undefined) || values.length !== names.length) continue;
    names.forEach((name, k) => {
      const value = decimal(values[k]);
      if (value === undefined) return;
      const group = head[1];
      out.push({ source, group, name, value, width: 64, ...(MIB_GAUGES.has(`${group}.${name}`) ? { gauge: true } : {}) });
    });
    i++;
  }
  return out;
}

export function parseSnmp6(text: string, source = 'snmp6'): Counter[] {
  const out: Counter[] = [];
  for (const line of lines(text)) {
    const [name, v, ...rest] = fields(line);
    const value = decimal(v);
    if (rest.length || value === undefined || !/^\w+$/.test(name)) continue;
    out.push({ source, group: '', name, value, width: 64, ...(MIB_GAUGES.has(name.replace(/^Ip6/, 'Ip.')) ? { gauge: true } : {}) });
  }
  return out;
}
