// Counter knowledge as data (data/counter-knowledge.json): column names, gauges, what counts as a drop.
import data from './data/counter-knowledge.json';
import type { Counter } from './types';
import { counterKey } from './types';

export const SOFTNET_COLUMNS: readonly string[] = data.softnetColumns;
export const SOFTNET_GAUGES: ReadonlySet<string> = new Set(data.softnetGauges);
export const DEV_COLUMNS: readonly string[] = data.devColumns;
export const MIB_GAUGES: ReadonlySet<string> = new Set(data.mibGauges);

const DROP = new RegExp(data.dropPattern, 'i');
const TOTAL = data.totalDrops.map((p) => new RegExp('^' + p.split('*').map(escape).join('[^.]+') + '$'));

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A drop or error counter: highlighted in the panel when its rate is above zero. */
export function isDropCounter(c: Pick<Counter, 'name' | 'group' | 'source' | 'gauge'>): boolean {
  return !c.gauge && DROP.test(c.name);
}

/** Counted in the status bar's total drop rate. */
export function isTotalDropCounter(key: string): boolean {
  return TOTAL.some((r) => r.test(key));
}

export { counterKey };

export const NIC_IRQ = new RegExp(data.nicIrqPattern, 'i');
export const DEV_TO_SYS: Readonly<Record<string, string>> = data.devToSysNames;
