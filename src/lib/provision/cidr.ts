/**
 * IPv4 CIDR parsing, shared by `dbops init` (validating what the user types) and the
 * plan (warning about wide ranges). Pure.
 */

export interface Cidr {
  /** Normalised "a.b.c.d/n" (host bits cleared). */
  text: string;
  prefix: number;
  /** Number of addresses it admits. */
  size: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** The CIDR, or a one-sentence reason it does not parse. */
export function parseCidr(input: string): Cidr | { error: string } {
  const text = input.trim();
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!m) return { error: `"${input}" is not an IPv4 CIDR such as 203.0.113.7/32.` };
  const octets = m[1]!.split('.');
  const prefix = Number(m[2]);
  if (octets.length !== 4 || !octets.every((o) => OCTET.test(o))) {
    return { error: `"${input}" is not an IPv4 CIDR: ${m[1]} is not an IPv4 address.` };
  }
  if (prefix > 32) return { error: `"${input}" is not an IPv4 CIDR: the prefix /${prefix} is above /32.` };
  const addr = octets.reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - prefix);
  const network = addr - (addr % size);
  const parts = [24, 16, 8, 0].map((s) => Math.floor(network / 2 ** s) % 256);
  return { text: `${parts.join('.')}/${prefix}`, prefix, size };
}

export function isCidrError(c: Cidr | { error: string }): c is { error: string } {
  return 'error' in c;
}

/** 0.0.0.0/0 and anything wider than /8: "the internet", for warnings and audit. */
export function isWorldOpen(cidr: string): boolean {
  const c = parseCidr(cidr);
  if (isCidrError(c)) return cidr.trim() === '::/0';
  return c.prefix === 0;
}
