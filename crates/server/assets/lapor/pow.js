// Proof-of-work solver (Web Worker). Message in: {challenge, bits}; out: {nonce} (a decimal
// string) such that SHA-256 of the ASCII text `<challenge>:<nonce>` starts with `bits` zero bits.
//
// SHA-256 is hand-written here on purpose: WebCrypto's crypto.subtle.digest is asynchronous, and
// the promise round trip for each call costs far more than the hash itself. At 16 bits we need
// ~65,000 hashes on average; a small synchronous loop does that in about a second on a cheap
// phone, where awaiting subtle.digest per nonce takes many times longer.
(function () {
'use strict';
// Everything lives in this closure: globals of a worker are slow property look-ups.
// K and the initial hash are the fractional parts of the cube and square roots of the first
// primes (FIPS 180-4); a double has enough bits to compute them exactly.
var K = new Int32Array(64), IV = [], n = 0, p, d;
for (p = 2; n < 64; p++) {
  for (d = 2; d * d <= p && p % d; d++);
  if (d * d > p) {
    if (n < 8) IV[n] = ((Math.sqrt(p) % 1) * 4294967296) | 0;
    K[n++] = ((Math.cbrt(p) % 1) * 4294967296) | 0;
  }
}
var W = new Int32Array(64);
var H = new Int32Array(8);

// Hashes the first `len` bytes of `buf` (which has room for the padding) into H.
function sha256(buf, len) {
  var total = ((len + 9 + 63) >> 6) << 6, i, j;
  buf[len] = 0x80;
  for (i = len + 1; i < total; i++) buf[i] = 0;
  var bitLen = len * 8;
  buf[total - 4] = bitLen >>> 24; buf[total - 3] = bitLen >>> 16;
  buf[total - 2] = bitLen >>> 8; buf[total - 1] = bitLen;
  for (i = 0; i < 8; i++) H[i] = IV[i];
  for (var off = 0; off < total; off += 64) {
    for (j = 0; j < 16; j++) {
      var p = off + j * 4;
      W[j] = (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
    }
    for (j = 16; j < 64; j++) {
      var a = W[j - 15], b = W[j - 2];
      var s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      var s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      W[j] = (W[j - 16] + s0 + W[j - 7] + s1) | 0;
    }
    var A = H[0], B = H[1], C = H[2], D = H[3], E = H[4], F = H[5], G = H[6], X = H[7];
    for (j = 0; j < 64; j++) {
      var S1 = ((E >>> 6) | (E << 26)) ^ ((E >>> 11) | (E << 21)) ^ ((E >>> 25) | (E << 7));
      var t1 = (X + S1 + ((E & F) ^ (~E & G)) + K[j] + W[j]) | 0;
      var S0 = ((A >>> 2) | (A << 30)) ^ ((A >>> 13) | (A << 19)) ^ ((A >>> 22) | (A << 10));
      var t2 = (S0 + ((A & B) ^ (A & C) ^ (B & C))) | 0;
      X = G; G = F; F = E; E = (D + t1) | 0; D = C; C = B; B = A; A = (t1 + t2) | 0;
    }
    H[0] = (H[0] + A) | 0; H[1] = (H[1] + B) | 0; H[2] = (H[2] + C) | 0; H[3] = (H[3] + D) | 0;
    H[4] = (H[4] + E) | 0; H[5] = (H[5] + F) | 0; H[6] = (H[6] + G) | 0; H[7] = (H[7] + X) | 0;
  }
}

function zeroBits(bits) {
  for (var i = 0; bits > 0; i++, bits -= 32) {
    if (bits >= 32) { if (H[i] !== 0) return false; }
    else if ((H[i] >>> (32 - bits)) !== 0) return false;
  }
  return true;
}

function solve(challenge, bits) {
  var prefix = challenge + ':', n = prefix.length, i;
  var buf = new Uint8Array(n + 20 + 72);
  for (i = 0; i < n; i++) buf[i] = prefix.charCodeAt(i) & 0xff;
  for (var nonce = 0; nonce < 9007199254740991; nonce++) {
    var s = String(nonce);
    for (i = 0; i < s.length; i++) buf[n + i] = s.charCodeAt(i);
    sha256(buf, n + s.length);
    if (zeroBits(bits)) return s;
  }
  return null;
}

self.onmessage = function (e) {
  var d = e.data || {};
  var bits = Math.max(0, Math.min(256, d.bits | 0));
  self.postMessage({ id: d.id, nonce: solve(String(d.challenge), bits) });
};
})();
