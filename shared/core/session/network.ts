/**
 * "Same network" for session credentials: the same IPv4 /24 or IPv6 /48 as at issue. A source that is not a
 * public IP address (an AWS service host name, `AWS Internal`, a private address behind a VPC endpoint) cannot
 * be compared and never counts as moved. Pure.
 */

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The network prefix of a public IP address, or null when `ip` is not one. */
export function networkOf(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const m = V4.exec(ip);
  if (m) {
    const o = m.slice(1, 5).map(Number);
    if (o.some((x) => x > 255)) return null;
    const [a = 0, b = 0] = o;
    if (a === 10 || a === 127 || a === 0 || a >= 224) return null;
    if (a === 172 && b >= 16 && b <= 31) return null;
    if (a === 192 && b === 168) return null;
    if (a === 169 && b === 254) return null;
    if (a === 100 && b >= 64 && b <= 127) return null;
    return `${o[0]}.${o[1]}.${o[2]}.0/24`;
  }
  if (!ip.includes(':') || !/^[0-9a-f:]+$/i.test(ip)) return null;
  const lower = ip.toLowerCase();
  if (lower.startsWith('fc') || lower.startsWith('fd') || lower.startsWith('fe80') || lower === '::1')
    return null;
  const full = expandV6(lower);
  return full ? `${full.slice(0, 3).join(':')}::/48` : null;
}

function expandV6(ip: string): string[] | null {
  const [head = '', tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  if (fill < 0) return null;
  const parts = [...h, ...Array<string>(fill).fill('0'), ...t];
  return parts.length === 8 ? parts.map((p) => p.replace(/^0+(?=.)/, '')) : null;
}
