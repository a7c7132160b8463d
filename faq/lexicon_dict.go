package faq

import (
	_ "embed"
	"encoding/binary"
)

// words.bloom is a Bloom filter (about 0.01% false positives: dictCorrect
// probes it a few hundred times a word) of every word form of
// the Russian and English hunspell dictionaries, built by layout_gen.go; see
// data/LICENSES.md.
//
//go:embed data/words.bloom
var wordsBloom []byte

// isDictWord reports whether w (folded, lower-case) is a Russian or English
// dictionary word form. It tells a real word, which is never "corrected",
// from a typo, and helps decide keyboard layouts.
func isDictWord(w string) bool {
	if w == "" {
		return false
	}
	return bloomHas(bloomHash(w))
}

// bloomHas reports whether the filter has the key hashed to h1, h2.
func bloomHas(h1, h2 uint64) bool {
	if len(wordsBloom) < 9 {
		return false
	}
	m := binary.LittleEndian.Uint64(wordsBloom)
	k := int(wordsBloom[8])
	bits := wordsBloom[9:]
	if m == 0 || uint64(len(bits))*8 < m {
		return false
	}
	for i := 0; i < k; i++ {
		bit := (h1 + uint64(i)*h2) % m
		if bits[bit/8]&(1<<(bit%8)) == 0 {
			return false
		}
	}
	return true
}

// bloomHash is FNV-1a 64 and a second hash derived from it, as in
// layout_gen.go.
func bloomHash[T string | []byte](s T) (uint64, uint64) {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	h2 := (h>>33 | h<<31) * 0x9E3779B97F4A7C15
	return h, h2 | 1
}
