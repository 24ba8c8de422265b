// sm2.js — the sm-crypto half of tests/sm2_interop.sh (node, test time only).
//   node sm2.js verify CASES.json          sm-crypto verifies each case's r||s over its
//                                          Sig_structure; must match "ok" for every case
//   node sm2.js sign CASES.json OUT.json   sm-crypto signs each vector case's Sig_structure
//                                          with the vector key; writes their_sig per case
// SM2 with SM3, user ID "1234567812345678" passed explicitly (doc/format.md, alg -65537).
'use strict';
const fs = require('fs');
const { sm2 } = require('sm-crypto');

const ID = '1234567812345678';
const bytes = (h) => Array.from(Buffer.from(h, 'hex')); // sm-crypto takes arrays, not Buffers

const [mode, inPath, outPath] = process.argv.slice(2);
const data = JSON.parse(fs.readFileSync(inPath, 'utf8'));

if (mode === 'verify') {
  let good = 0, bad = 0;
  for (const c of data.cases) {
    const got = sm2.doVerifySignature(bytes(c.tbs), c.sig, c.pub, { hash: true, userId: ID });
    if (got !== c.ok) {
      console.log(`FAIL: sm-crypto says ${got} for ${c.name}, expected ${c.ok}`);
      bad++;
    } else good++;
  }
  console.log(`sm-crypto on ${data.cases.length} of our SM2 signatures: ${good} as expected`);
  process.exit(bad ? 1 : 0);
} else if (mode === 'sign') {
  for (const c of data.cases) {
    if (!c.vector) continue;
    c.their_sig = sm2.doSignature(bytes(c.tbs), data.priv, { hash: true, publicKey: data.pub, userId: ID });
    if (c.their_sig.length !== 128) throw new Error(`r||s of ${c.their_sig.length / 2} bytes`);
    // the signature must verify with sm-crypto itself before we hand it on
    if (!sm2.doVerifySignature(bytes(c.tbs), c.their_sig, data.pub, { hash: true, userId: ID }))
      throw new Error(`sm-crypto does not verify its own signature for ${c.name}`);
  }
  fs.writeFileSync(outPath, JSON.stringify(data));
} else {
  console.error('usage: node sm2.js verify CASES.json | sign CASES.json OUT.json');
  process.exit(2);
}
