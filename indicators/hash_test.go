package indicators_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
)

// hashVector is one row of testdata/vectors/hash.json: an input, its
// lookup keys in order and each key's hash, shared with the JS SDK so both
// sides hash the same strings. The hashes were checked with sha256sum.
type hashVector struct {
	Input   string `json:"input"`
	Kind    string `json:"kind"`
	Lookups []struct {
		Key    string `json:"key"`
		SHA256 string `json:"sha256"`
		Prefix string `json:"prefix"`
	} `json:"lookups"`
}

func TestHashVectors(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "vectors", "hash.json"))
	if err != nil {
		t.Fatal(err)
	}
	var vs []hashVector
	if err := json.Unmarshal(data, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range vs {
		t.Run(v.Input, func(t *testing.T) {
			p, err := indicators.Parse(v.Input)
			if err != nil {
				t.Fatalf("Parse(%q): %v", v.Input, err)
			}
			if string(p.Kind) != v.Kind {
				t.Errorf("Parse(%q).Kind = %q, want %q", v.Input, p.Kind, v.Kind)
			}
			var got, want []string
			for _, k := range indicators.LookupKeys(p) {
				h := indicators.KeyHash(k)
				got = append(got, fmt.Sprintf("%s %x %08x", k, h, indicators.KeyPrefix(k)))
			}
			for _, l := range v.Lookups {
				want = append(want, l.Key+" "+l.SHA256+" "+l.Prefix)
			}
			if !slices.Equal(got, want) {
				t.Errorf("lookups of %q:\n got %q\nwant %q", v.Input, got, want)
			}
		})
	}
}

func TestKeyPrefixIsFirstFourBytes(t *testing.T) {
	k := indicators.Key("url:evil.vn/login/")
	h := indicators.KeyHash(k)
	if got, want := fmt.Sprintf("%08x", indicators.KeyPrefix(k)), hex.EncodeToString(h[:4]); got != want {
		t.Errorf("KeyPrefix = %s, want %s", got, want)
	}
	if got := indicators.AppendPrefixes(nil, []uint32{indicators.KeyPrefix(k)}); !slices.Equal(got, h[:4]) {
		t.Errorf("AppendPrefixes = %x, want %x", got, h[:4])
	}
}

func TestPrefixWireRoundTrip(t *testing.T) {
	in := []uint32{0, 1, 0x01020304, 0xfffffffe, 0xffffffff}
	b := indicators.AppendPrefixes(nil, in)
	if len(b) != 4*len(in) || hex.EncodeToString(b[8:12]) != "01020304" {
		t.Fatalf("wire form %x", b)
	}
	out, ok := indicators.DecodePrefixes(b)
	if !ok || !slices.Equal(out, in) {
		t.Errorf("DecodePrefixes = %v, %v; want %v", out, ok, in)
	}
	if _, ok := indicators.DecodePrefixes(b[:5]); ok {
		t.Error("DecodePrefixes accepted 5 bytes")
	}
}

func TestPrefixChecksum(t *testing.T) {
	// The empty set's checksum is SHA-256 of nothing.
	if got := indicators.PrefixChecksum(nil); hex.EncodeToString(got[:]) != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("PrefixChecksum(nil) = %x", got)
	}
	// Sets larger than the internal buffer hash like their wire form.
	big := make([]uint32, 5000)
	for i := range big {
		big[i] = uint32(i * 7919)
	}
	a, b := indicators.PrefixChecksum(big), indicators.PrefixChecksum(big[:4999])
	if a == b {
		t.Error("checksum ignores the last prefix")
	}
	want := sha256Of(indicators.AppendPrefixes(nil, big))
	if a != want {
		t.Errorf("PrefixChecksum = %x, want SHA-256 of the wire form %x", a, want)
	}
}

func TestApplyPrefixDelta(t *testing.T) {
	tests := []struct {
		name                 string
		sorted, add, rm, out []uint32
	}{
		{"empty", nil, nil, nil, []uint32{}},
		{"add to empty", nil, []uint32{3, 5}, nil, []uint32{3, 5}},
		{"interleave", []uint32{2, 4, 6}, []uint32{1, 5, 7}, nil, []uint32{1, 2, 4, 5, 6, 7}},
		{"remove", []uint32{2, 4, 6}, nil, []uint32{2, 6}, []uint32{4}},
		{"add and remove", []uint32{2, 4, 6}, []uint32{3}, []uint32{4}, []uint32{2, 3, 6}},
		{"add present is a no-op", []uint32{2, 4}, []uint32{4}, nil, []uint32{2, 4}},
		{"remove absent is a no-op", []uint32{2, 4}, nil, []uint32{3, 9}, []uint32{2, 4}},
		{"remove all", []uint32{0, 0xffffffff}, nil, []uint32{0, 0xffffffff}, []uint32{}},
		{"duplicate additions", nil, []uint32{1, 1, 2}, nil, []uint32{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := slices.Clone(tt.sorted)
			got := indicators.ApplyPrefixDelta(tt.sorted, tt.add, tt.rm)
			if !slices.Equal(got, tt.out) {
				t.Errorf("ApplyPrefixDelta(%v, %v, %v) = %v, want %v", tt.sorted, tt.add, tt.rm, got, tt.out)
			}
			if !slices.Equal(tt.sorted, before) {
				t.Errorf("modified its input: %v", tt.sorted)
			}
		})
	}
}

func sha256Of(b []byte) [32]byte { return sha256.Sum256(b) }
