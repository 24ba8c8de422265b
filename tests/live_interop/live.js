// live.js — live presentations made and verified by another implementation,
// written from doc/format.md alone (issue 22): node-cbor for CBOR, Node's
// crypto for ES256 (IEEE P1363 r||s) and Ed25519, sm-crypto for SM2 with SM3.
// It shares no code with libhealthcode; tests/live_interop.sh runs it against
// the healthcode command both ways.
//
//   node live.js verify ISSUER.pub.pem NOW TEXT        prints "live" or the step
//                                                        that refuses: P1 … P5
//   node live.js present DEVICE.pem ALG T TOKEN         prints an HCLIVE1 text
//   node live.js vectors DIR                            every live_*.json vector:
//                                                        the step it names, or live
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const cbor = require('cbor');
const { sm2 } = require('sm-crypto');

const SM2_ID = '1234567812345678';
const ALG = { ES256: -7, EdDSA: -8, SM2: -65537 };
const WINDOW = 60, SKEW = 300, LIFETIME_MAX = 2592000;

class Refused extends Error {
  constructor(step, why) { super(`${step}: ${why}`); this.step = step; }
}
const refuse = (step, why) => { throw new Refused(step, why); };

// ---- base45 (RFC 9285)
const B45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
function b45decode(s, step) {
  const v = [...s].map((c) => B45.indexOf(c));
  if (v.includes(-1) || v.length % 3 === 1) refuse(step, 'not base45');
  const out = [];
  for (let i = 0; i < v.length; i += 3) {
    if (i + 2 < v.length) {
      const n = v[i] + v[i + 1] * 45 + v[i + 2] * 2025;
      if (n > 0xffff) refuse(step, 'base45 triplet above 65535');
      out.push(n >> 8, n & 255);
    } else {
      const n = v[i] + v[i + 1] * 45;
      if (n > 0xff) refuse(step, 'base45 pair above 255');
      out.push(n);
    }
  }
  return Buffer.from(out);
}
function b45encode(buf) {
  let s = '';
  for (let i = 0; i < buf.length; i += 2) {
    if (i + 1 < buf.length) {
      const n = buf[i] * 256 + buf[i + 1];
      s += B45[n % 45] + B45[Math.floor(n / 45) % 45] + B45[Math.floor(n / 2025)];
    } else {
      s += B45[buf[i] % 45] + B45[Math.floor(buf[i] / 45)];
    }
  }
  return s;
}

// ---- CBOR: exactly one item, maps with integer keys as Maps
function decodeOne(buf, step) {
  let items;
  try { items = cbor.decodeAllSync(buf, { preferMap: true }); } catch (e) { refuse(step, `CBOR: ${e.message}`); }
  if (items.length !== 1) refuse(step, `${items.length} items where one is expected`);
  return items[0];
}
const isMap = (m) => m instanceof Map;
const isBytes = (b) => Buffer.isBuffer(b) || b instanceof Uint8Array;
const isUint = (n) => (typeof n === 'number' && Number.isInteger(n) && n >= 0) ||
                      (typeof n === 'bigint' && n >= 0n && n < 1n << 64n);

// COSE_Sign1: 18([protected, unprotected, payload, signature]) or the bare array
function sign1(buf, step) {
  let v = decodeOne(buf, step);
  if (v instanceof cbor.Tagged) {
    if (v.tag !== 18) refuse(step, `tag ${v.tag}`);
    v = v.value;
  }
  if (!Array.isArray(v) || v.length !== 4 || !isBytes(v[0]) || !isMap(v[1]) || !isBytes(v[2]) ||
      !isBytes(v[3]) || v[3].length !== 64 || v[0].length === 0 || v[2].length === 0)
    refuse(step, 'not a COSE_Sign1 of the shape of doc/format.md');
  return { prot: Buffer.from(v[0]), payload: Buffer.from(v[2]), sig: Buffer.from(v[3]) };
}
// ["Signature1", protected, h'', payload], the bstrs as received
const sigStructure = (prot, payload) => cbor.encode(['Signature1', prot, Buffer.alloc(0), payload]);

// ---- curves: a point from x and the sign bit of y (RFC 9053 point compression)
const CURVES = {
  'P-256': { p: 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n,
             b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn },
  SM2: { p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
         b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n },
};
function powmod(b, e, m) {
  let r = 1n; b %= m;
  for (; e > 0n; e >>= 1n, b = b * b % m) if (e & 1n) r = r * b % m;
  return r;
}
const hex32 = (n) => n.toString(16).padStart(64, '0');
function decompress(curve, x, ybit, step) {
  const { p, b } = CURVES[curve];
  const X = BigInt('0x' + x.toString('hex'));
  if (X >= p) refuse(step, 'x is not below p');
  const v = ((X * X * X - 3n * X + b) % p + p) % p;
  let y = powmod(v, (p + 1n) / 4n, p);           // p = 3 mod 4 for both curves
  if (y * y % p !== v) refuse(step, 'no point on the curve for this x');
  if ((y & 1n) !== (ybit ? 1n : 0n)) y = p - y;
  return { x: hex32(X), y: hex32(y) };
}
const b64url = (hex) => Buffer.from(hex, 'hex').toString('base64url');

// A device or issuer key as something to verify with: {alg, verify(msg, sig)}
function ecVerifier(curve, alg, xy) {
  if (curve === 'SM2') {
    const pub = '04' + xy.x + xy.y;
    return { alg, verify: (m, s) => sm2.doVerifySignature(Array.from(m), s.toString('hex'), pub, { hash: true, userId: SM2_ID }) };
  }
  const key = crypto.createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64url(xy.x), y: b64url(xy.y) }, format: 'jwk' });
  return { alg, verify: (m, s) => crypto.verify('sha256', m, { key, dsaEncoding: 'ieee-p1363' }, s) };
}
function edVerifier(x) {
  const key = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(x).toString('base64url') }, format: 'jwk' });
  return { alg: ALG.EdDSA, verify: (m, s) => crypto.verify(null, m, key, s) };
}

// The issuer's key from its SPKI PEM: the kid, and a verifier for its algorithm
function issuerKey(pem) {
  const der = crypto.createPublicKey(pem).export({ type: 'spki', format: 'der' });
  const kid = crypto.createHash('sha256').update(der).digest().subarray(0, 8);
  const sm2Oid = Buffer.from('06082a811ccf5501822d', 'hex'), p256Oid = Buffer.from('06082a8648ce3d030107', 'hex');
  let v;
  if (der.includes(sm2Oid) || der.includes(p256Oid)) {
    const pt = der.subarray(der.length - 65);
    v = ecVerifier(der.includes(sm2Oid) ? 'SM2' : 'P-256', der.includes(sm2Oid) ? ALG.SM2 : ALG.ES256,
                   { x: pt.subarray(1, 33).toString('hex'), y: pt.subarray(33).toString('hex') });
  } else {
    v = edVerifier(der.subarray(der.length - 32));
  }
  return { kid, ...v };
}

// ---- a token's steps 3 to 8 (P2), then its cnf as a verifier
function verifyToken(bytes, issuer, now) {
  const t = sign1(bytes, 'P2');
  const hdr = decodeOne(t.prot, 'P2');
  if (!isMap(hdr) || hdr.size !== 2 || !isBytes(hdr.get(4)) || hdr.get(4).length !== 8)
    refuse('P2', 'protected header is not {1: alg, 4: kid}');
  if (!Buffer.from(hdr.get(4)).equals(issuer.kid)) refuse('P2', 'unknown kid');
  if (hdr.get(1) !== issuer.alg) refuse('P2', 'algorithm mismatch');
  if (!issuer.verify(sigStructure(t.prot, t.payload), t.sig)) refuse('P2', 'issuer signature');
  const c = decodeOne(t.payload, 'P2');
  const hc = isMap(c) && c.get(-65537);
  if (!isMap(c) || typeof c.get(1) !== 'string' || !isUint(c.get(4)) || !isUint(c.get(6)) ||
      !isBytes(c.get(7)) || c.get(7).length !== 8 || !isMap(hc) || ![0, 1, 2].includes(hc.get(1)))
    refuse('P2', 'claims');
  const iat = Number(c.get(6)), exp = Number(c.get(4));
  if (iat > exp || exp - iat > LIFETIME_MAX) refuse('P2', 'lifetime');
  if (now < iat - SKEW) refuse('P2', 'not yet valid');
  if (now >= exp + SKEW) refuse('P2', 'expired');
  if (!c.has(8)) return null;
  // 8: {1: COSE_Key}
  const cnf = c.get(8), k = isMap(cnf) && cnf.size === 1 && cnf.get(1);
  if (!isMap(k) || !isBytes(k.get(-2)) || k.get(-2).length !== 32) refuse('P2', 'cnf cannot be parsed');
  const kty = k.get(1), crv = k.get(-1), x = Buffer.from(k.get(-2));
  if (kty === 1 && crv === 6 && k.size === 3) return edVerifier(x);
  if (kty === 2 && (crv === 1 || crv === -65537) && k.size === 4 && typeof k.get(-3) === 'boolean') {
    const curve = crv === 1 ? 'P-256' : 'SM2';
    return ecVerifier(curve, crv === 1 ? ALG.ES256 : ALG.SM2, decompress(curve, x, k.get(-3), 'P2'));
  }
  return refuse('P2', 'cnf of another kty/crv');
}

// P1-P5 of doc/format.md, "Verifying a presentation"
function verifyPresentation(text, issuer, now) {
  if (!text.startsWith('HCLIVE1:')) refuse('P1', 'prefix');
  const pres = sign1(b45decode(text.slice(8), 'P1'), 'P1');
  const hdr = decodeOne(pres.prot, 'P1');
  if (!isMap(hdr) || hdr.size !== 1 || !Number.isInteger(hdr.get(1))) refuse('P1', 'protected is not {1: alg}');
  const body = decodeOne(pres.payload, 'P1');
  if (!Array.isArray(body) || body.length !== 2 || !isBytes(body[0]) || !isUint(body[1]))
    refuse('P1', 'payload is not [token, t]');
  const device = verifyToken(Buffer.from(body[0]), issuer, now);                    // P2
  if (!device) refuse('P3', 'the token is bound to nothing');
  if (hdr.get(1) !== device.alg) refuse('P3', 'alg is not the cnf key\'s');
  if (!device.verify(sigStructure(pres.prot, pres.payload), pres.sig)) refuse('P4', 'device signature');
  const t = BigInt(body[1]), n = BigInt(now);
  if ((n > t ? n - t : t - n) > BigInt(WINDOW)) refuse('P5', 'outside the live window');
  return 'live';
}

// ---- making one
function sm2Private(pem) {       // the 32-byte scalar inside PKCS#8's ECPrivateKey
  const der = crypto.createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  const at = der.indexOf(Buffer.from('020101' + '0420', 'hex'));
  if (at < 0) throw new Error('no SM2 private scalar');
  return der.subarray(at + 5, at + 37).toString('hex');
}
function present(pemPath, algName, t, token) {
  if (!token.startsWith('HCODE1:')) throw new Error('not a token');
  const alg = ALG[algName];
  const pem = fs.readFileSync(pemPath, 'utf8');
  const prot = cbor.encode(new Map([[1, alg]]));
  const payload = cbor.encode([b45decode(token.slice(7), 'token'), t]);
  const tbs = sigStructure(prot, payload);
  let sig;
  if (algName === 'ES256') sig = crypto.sign('sha256', tbs, { key: pem, dsaEncoding: 'ieee-p1363' });
  else if (algName === 'EdDSA') sig = crypto.sign(null, tbs, pem);
  else sig = Buffer.from(sm2.doSignature(Array.from(tbs), sm2Private(pem), { hash: true, userId: SM2_ID }), 'hex');
  if (sig.length !== 64) throw new Error(`signature of ${sig.length} bytes`);
  return 'HCLIVE1:' + b45encode(cbor.encode(new cbor.Tagged(18, [prot, new Map(), payload, sig])));
}

// ---- command line
function verdict(text, issuerPem, now) {
  try { return verifyPresentation(text, issuerKey(issuerPem), now); } catch (e) {
    if (e instanceof Refused) return e.step;
    throw e;
  }
}
const [mode, ...args] = process.argv.slice(2);
if (mode === 'verify') {
  console.log(verdict(args[2], fs.readFileSync(args[0], 'utf8'), Number(args[1])));
} else if (mode === 'present') {
  console.log(present(args[0], args[1], Number(args[2]), args[3]));
} else if (mode === 'vectors') {
  let bad = 0, n = 0;
  for (const f of fs.readdirSync(args[0]).filter((f) => f.startsWith('live_') && f.endsWith('.json')).sort()) {
    const v = JSON.parse(fs.readFileSync(`${args[0]}/${f}`, 'utf8'));
    const want = v.expected.valid ? 'live' : ['p1', 'p2', 'p3', 'p4', 'p5'].find((s) => !v.expected[s]).toUpperCase();
    const got = verdict(v.token, v.public_key_pem, v.now);
    n++;
    if (got !== want) { console.log(`FAIL: ${f}: ${got}, the vector says ${want} (${v.error})`); bad++; }
  }
  console.log(`the independent verifier agrees with ${n - bad} of ${n} presentation vectors`);
  process.exit(bad ? 1 : 0);
} else {
  console.error('usage: node live.js verify PUB NOW TEXT | present KEY ALG T TOKEN | vectors DIR');
  process.exit(2);
}
