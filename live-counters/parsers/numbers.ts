// Number reading shared by the parsers: exact BigInt, undefined for anything that is not a number.

const DEC = /^-?\d+$/;
const HEX = /^[0-9a-fA-F]+$/;

export function decimal(s: string | undefined): bigint | undefined {
  return s !== undefined && s.length <= 40 && DEC.test(s) ? BigInt(s) : undefined;
}

export function hex(s: string | undefined): bigint | undefined {
  return s !== undefined && s.length <= 32 && HEX.test(s) ? BigInt('0x' + s) : undefined;
}

/** Lines of a source, without the empty ones. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

export function fields(line: string): string[] {
  return line.trim().split(/\s+/);
}
