package bloom

// This file computes the same bit locations as bits-and-blooms/bloom/v3
// (baseHashes and location in its bloom.go, murmur3 in its murmur.go) so
// that a filter written by this package is an ordinary bloom/v3 filter and
// the reverse. It exists because the library's Test reads its bitset without
// synchronisation, and its exported Locations allocates; the hot path needs
// neither. TestHashMatchesLibrary pins the equivalence.
//
// The murmur3 code derives from Sébastien Paolacci's murmur3 by way of
// bits-and-blooms/bloom (BSD licence, Copyright 2013 Sébastien Paolacci).

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

const (
	murmurC1    = 0x87c37b91114253d5
	murmurC2    = 0x4cf5ad432745937f
	murmurBlock = 16
)

// baseHashes returns the four 64-bit values from which the k locations of s
// are derived, exactly as bloom/v3 computes them for []byte(s).
func baseHashes(s string) [4]uint64 {
	// Viewing the string's bytes without a copy is safe: the hash only reads
	// them, never writes, and keeps no reference after returning. It keeps
	// Test free of allocations for keys of any length.
	data := unsafe.Slice(unsafe.StringData(s), len(s))
	var h1, h2 uint64
	nblocks := len(data) / murmurBlock
	for i := range nblocks {
		p := data[i*murmurBlock : i*murmurBlock+murmurBlock]
		h1, h2 = bmix(h1, h2, binary.LittleEndian.Uint64(p[:8]), binary.LittleEndian.Uint64(p[8:]))
	}
	length := uint64(len(data))
	tail := data[nblocks*murmurBlock:]
	a1, a2 := sum128(h1, h2, false, length, tail)
	// Second pair: the hash of data with one byte 1 appended, computed
	// without building that longer slice.
	var a3, a4 uint64
	if len(tail)+1 == murmurBlock {
		w1 := binary.LittleEndian.Uint64(tail[:8])
		w2 := uint64(binary.LittleEndian.Uint32(tail[8:12])) |
			uint64(tail[12])<<32 | uint64(tail[13])<<40 | uint64(tail[14])<<48 | 1<<56
		g1, g2 := bmix(h1, h2, w1, w2)
		a3, a4 = sum128(g1, g2, false, length+1, nil)
	} else {
		a3, a4 = sum128(h1, h2, true, length+1, tail)
	}
	return [4]uint64{a1, a2, a3, a4}
}

// location is the i-th probe of a key with base hashes h, before reduction
// modulo the filter size (bloom/v3's package-level location).
func location(h *[4]uint64, i uint64) uint64 {
	return h[i%2] + i*h[2+(((i+(i%2))%4)/2)]
}

// bmix mixes one 16-byte block into the running hash.
func bmix(h1, h2, k1, k2 uint64) (uint64, uint64) {
	k1 *= murmurC1
	k1 = bits.RotateLeft64(k1, 31)
	k1 *= murmurC2
	h1 ^= k1
	h1 = bits.RotateLeft64(h1, 27)
	h1 += h2
	h1 = h1*5 + 0x52dce729

	k2 *= murmurC2
	k2 = bits.RotateLeft64(k2, 33)
	k2 *= murmurC1
	h2 ^= k2
	h2 = bits.RotateLeft64(h2, 31)
	h2 += h1
	h2 = h2*5 + 0x38495ab5
	return h1, h2
}

// sum128 finishes the hash over the tail (fewer than 16 bytes). With padTail
// it behaves as if one more byte of value 1 followed the tail; length is the
// full input length including that byte.
func sum128(h1, h2 uint64, padTail bool, length uint64, tail []byte) (uint64, uint64) {
	var k1, k2 uint64
	n := len(tail)
	if padTail {
		// The virtual byte sits at index n of the tail block.
		if n >= 8 {
			k2 ^= 1 << (8 * uint(n-8))
		} else {
			k1 ^= 1 << (8 * uint(n))
		}
		n++ // the block now holds n bytes, the last one virtual
	}
	for i := len(tail) - 1; i >= 8; i-- {
		k2 ^= uint64(tail[i]) << (8 * uint(i-8))
	}
	if n > 8 {
		k2 *= murmurC2
		k2 = bits.RotateLeft64(k2, 33)
		k2 *= murmurC1
		h2 ^= k2
	}
	for i := min(len(tail), 8) - 1; i >= 0; i-- {
		k1 ^= uint64(tail[i]) << (8 * uint(i))
	}
	if n > 0 {
		k1 *= murmurC1
		k1 = bits.RotateLeft64(k1, 31)
		k1 *= murmurC2
		h1 ^= k1
	}

	h1 ^= length
	h2 ^= length
	h1 += h2
	h2 += h1
	h1 = fmix64(h1)
	h2 = fmix64(h2)
	h1 += h2
	h2 += h1
	return h1, h2
}

// fmix64 is murmur3's finalisation mix.
func fmix64(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}
