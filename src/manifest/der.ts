/**
 * A small DER reader for the parts of an X.509 certificate that node:crypto does not expose and
 * Go's crypto/x509 (istiod's CA loading) enforces: the signature algorithm, basic constraints'
 * path length, key usage, extended key usage and which extensions are critical. It reads only
 * what it needs and throws `DerError` on anything malformed; callers turn that into a diagnostic.
 */

export class DerError extends Error {}

/** One TLV: its tag byte and where its contents are in the buffer. */
interface Tlv {
  tag: number;
  start: number;
  end: number;
}

function readTlv(buf: Buffer, at: number, limit: number): Tlv {
  if (at + 2 > limit) throw new DerError("truncated");
  const tag = buf[at] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError("high tag numbers are not used in certificates");
  let len = buf[at + 1] as number;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) throw new DerError("bad length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[start + i] as number);
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new DerError("length beyond its container");
  return { tag, start, end };
}

/** The TLVs directly inside a constructed TLV. */
function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const t = readTlv(buf, at, parent.end);
    out.push(t);
    at = t.end;
  }
  return out;
}

function expect(t: Tlv | undefined, tag: number): Tlv {
  if (t === undefined || t.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}`);
  return t;
}

/** Dotted form of an OBJECT IDENTIFIER's contents. */
function oid(buf: Buffer, t: Tlv): string {
  const parts: number[] = [];
  let v = 0;
  for (let i = t.start; i < t.end; i++) {
    const b = buf[i] as number;
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join(".");
}

function integer(buf: Buffer, t: Tlv): number {
  if (t.end - t.start > 6) return Number.MAX_SAFE_INTEGER;
  let v = 0;
  for (let i = t.start; i < t.end; i++) v = v * 256 + (buf[i] as number);
  return v;
}

const SEQUENCE = 0x30;
const OID = 0x06;
const BOOLEAN = 0x01;
const INTEGER = 0x02;
const OCTET_STRING = 0x04;
const BIT_STRING = 0x03;

/** What the checks need from one certificate. */
export interface CertFields {
  /** The OID of the algorithm the issuer signed with. */
  signatureAlgorithm: string;
  /** basicConstraints' cA flag (false when the extension is absent). */
  isCA: boolean;
  /** basicConstraints' pathLenConstraint, when present. */
  maxPathLen: number | undefined;
  /** keyUsage bits (bit 0 = digitalSignature … bit 5 = keyCertSign), when present. */
  keyUsage: boolean[] | undefined;
  /** extendedKeyUsage OIDs, when present. */
  extKeyUsage: string[] | undefined;
  /** OIDs of the extensions marked critical. */
  critical: string[];
}

function bits(buf: Buffer, t: Tlv): boolean[] {
  const out: boolean[] = [];
  const unused = (buf[t.start] as number) ?? 0;
  const total = (t.end - t.start - 1) * 8 - unused;
  for (let i = 0; i < total; i++)
    out.push(((buf[t.start + 1 + (i >> 3)] as number) & (0x80 >> (i & 7))) !== 0);
  return out;
}

/** Reads one extension's value into `out`. */
function readExtension(buf: Buffer, ext: Tlv, out: CertFields): void {
  const parts = children(buf, ext);
  const id = oid(buf, expect(parts[0], OID));
  const critical = parts[1]?.tag === BOOLEAN && buf[parts[1].start] !== 0;
  const value = expect(parts[critical || parts[1]?.tag === BOOLEAN ? 2 : 1], OCTET_STRING);
  if (critical) out.critical.push(id);
  const inner = readTlv(buf, value.start, value.end);
  if (id === "2.5.29.19") {
    const bc = children(buf, expect(inner, SEQUENCE));
    out.isCA = bc[0]?.tag === BOOLEAN && buf[bc[0].start] !== 0;
    const len = bc.find((t) => t.tag === INTEGER);
    out.maxPathLen = len === undefined ? undefined : integer(buf, len);
  } else if (id === "2.5.29.15") {
    out.keyUsage = bits(buf, expect(inner, BIT_STRING));
  } else if (id === "2.5.29.37") {
    out.extKeyUsage = children(buf, expect(inner, SEQUENCE)).map((t) => oid(buf, expect(t, OID)));
  }
}

/** Reads the fields above from a certificate's DER bytes. */
export function certFields(der: Buffer): CertFields {
  const cert = expect(readTlv(der, 0, der.length), SEQUENCE);
  const [tbs, sigAlg] = children(der, cert);
  const algParts = children(der, expect(sigAlg, SEQUENCE));
  const out: CertFields = {
    signatureAlgorithm: oid(der, expect(algParts[0], OID)),
    isCA: false,
    maxPathLen: undefined,
    keyUsage: undefined,
    extKeyUsage: undefined,
    critical: [],
  };
  const extsWrapper = children(der, expect(tbs, SEQUENCE)).find((t) => t.tag === 0xa3);
  if (extsWrapper === undefined) return out;
  const exts = expect(readTlv(der, extsWrapper.start, extsWrapper.end), SEQUENCE);
  for (const ext of children(der, exts)) readExtension(der, expect(ext, SEQUENCE), out);
  return out;
}
