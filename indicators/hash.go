package indicators

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
)

// Hashing for privacy-preserving lookups (docs/privacy-lookups.md), the
// Safe Browsing way: clients hold the 4-byte prefixes of the SHA-256 hashes
// of listed keys and ask the server only about a prefix they hit, so the
// server never learns what was checked.
//
// What is hashed is exactly a canonical key string, UTF-8, no salt, no
// newline; on one example:
//
//	https://A.Evil.vn/login/step2?x=1
//	  → LookupKeys(Parse(…)): url:a.evil.vn/login/step2?x=1,
//	    url:a.evil.vn/login/step2, url:a.evil.vn/, url:a.evil.vn/login/,
//	    url:evil.vn/login/step2?x=1, url:evil.vn/login/step2, url:evil.vn/,
//	    url:evil.vn/login/, domain:a.evil.vn, domain:evil.vn
//	  → SHA-256 of each: "url:evil.vn/login/" → 781dc291 1e1fae69 …
//	  → prefix: the first 4 bytes, 781dc291, read big-endian as a uint32.

// HashPrefixLen is the length in bytes of a hash prefix.
const HashPrefixLen = 4

// KeyHash returns the SHA-256 of the canonical key string k.
func KeyHash(k Key) [sha256.Size]byte { return sha256.Sum256([]byte(k)) }

// KeyPrefix returns the first 4 bytes of KeyHash(k) as a big-endian uint32,
// so that prefixes sort as their bytes do.
func KeyPrefix(k Key) uint32 { return HashPrefix(KeyHash(k)) }

// HashPrefix returns the prefix of a full hash.
func HashPrefix(h [sha256.Size]byte) uint32 { return binary.BigEndian.Uint32(h[:HashPrefixLen]) }

// AppendPrefixes appends the 4-byte big-endian form of each prefix to b:
// the wire form of prefix lists.
func AppendPrefixes(b []byte, prefixes []uint32) []byte {
	b = slices.Grow(b, len(prefixes)*HashPrefixLen)
	for _, p := range prefixes {
		b = binary.BigEndian.AppendUint32(b, p)
	}
	return b
}

// DecodePrefixes reads a wire-form prefix list (a multiple of 4 bytes). It
// returns false when the length is not a multiple of 4.
func DecodePrefixes(b []byte) ([]uint32, bool) {
	if len(b)%HashPrefixLen != 0 {
		return nil, false
	}
	out := make([]uint32, len(b)/HashPrefixLen)
	for i := range out {
		out[i] = binary.BigEndian.Uint32(b[i*HashPrefixLen:])
	}
	return out, true
}

// PrefixChecksum returns the SHA-256 of the wire form of sorted: the
// checksum a client compares with the server's after applying a delta.
func PrefixChecksum(sorted []uint32) [sha256.Size]byte {
	h := sha256.New()
	var buf [4096]byte
	for len(sorted) > 0 {
		n := min(len(sorted), len(buf)/HashPrefixLen)
		h.Write(AppendPrefixes(buf[:0], sorted[:n]))
		sorted = sorted[n:]
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// ApplyPrefixDelta returns the sorted set sorted with additions added and
// removals taken out (both sorted), without modifying its arguments: how a
// client applies a delta of GET /v1/prefixes, and how the server derives
// each generation from the previous one. It has set semantics: adding a
// present prefix or removing an absent one changes nothing.
func ApplyPrefixDelta(sorted, additions, removals []uint32) []uint32 {
	out := make([]uint32, 0, max(len(sorted)+len(additions)-len(removals), 0))
	i, j, k := 0, 0, 0
	for i < len(sorted) || j < len(additions) {
		var v uint32
		switch {
		case j == len(additions) || (i < len(sorted) && sorted[i] < additions[j]):
			v = sorted[i]
			i++
		case i == len(sorted) || additions[j] < sorted[i]:
			v = additions[j]
			j++
		default: // equal
			v = sorted[i]
			i++
			j++
		}
		for k < len(removals) && removals[k] < v {
			k++
		}
		if k < len(removals) && removals[k] == v {
			continue
		}
		if n := len(out); n > 0 && out[n-1] == v {
			continue // a repeat within the inputs
		}
		out = append(out, v)
	}
	return out
}
