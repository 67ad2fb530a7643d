package bloom

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/bits-and-blooms/bloom/v3"

	"github.com/scamcheck/scamcheck/indicators"
)

// TestHashMatchesLibrary pins the bit locations to bits-and-blooms/bloom/v3
// for every tail length, so snapshots stay readable by the library and the
// reverse.
func TestHashMatchesLibrary(t *testing.T) {
	const k = 12
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 200 {
		for range 5 {
			data := make([]byte, n)
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			want := bloom.Locations(data, k)
			h := baseHashes(string(data))
			for i := range uint64(k) {
				if got := location(&h, i); got != want[i] {
					t.Fatalf("len %d: location %d = %d, library says %d", n, i, got, want[i])
				}
			}
		}
	}
}

// TestLibraryReadsSnapshotSection reads the phone section of a snapshot with
// the library's ReadFrom and checks it agrees with the Set on every key.
func TestLibraryReadsSnapshotSection(t *testing.T) {
	s := New(Options{Expected: map[indicators.Kind]uint{indicators.KindPhone: 5000}})
	added, absent := phoneKeys(0, 5000), phoneKeys(10_000, 20_000)
	s.Add(added...)
	s.setMeta(3, "1700000000000-7")
	var buf bytes.Buffer
	if err := s.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	// Header: magic, version, flags, generation, position, FPR, kind count;
	// then the phone section's name, expected, capacity, count, length.
	off := 4 + 2 + 2 + 8 + 2 + len("1700000000000-7") + 8 + 2
	off += 1 + len("phone") + 8*4
	var lib bloom.BloomFilter
	if _, err := lib.ReadFrom(bytes.NewReader(data[off:])); err != nil {
		t.Fatalf("library ReadFrom: %v", err)
	}
	if got, want := uint64(lib.Cap()), s.Stats()[0].Bits; got != want {
		t.Fatalf("library sees m = %d, Set has %d", got, want)
	}
	for _, k := range append(added, absent...) {
		if got, want := lib.TestString(string(k)), s.Test(k); got != want {
			t.Fatalf("library Test(%q) = %v, Set.Test = %v", k, got, want)
		}
	}
	// And the reverse: a filter the library built reads as a Set section.
	libf := bloom.NewWithEstimates(1000, 0.01)
	for _, k := range added[:1000] {
		libf.AddString(string(k))
	}
	var sec bytes.Buffer
	if _, err := libf.WriteTo(&sec); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sec.Bytes()[:8], binary.BigEndian.AppendUint64(nil, uint64(libf.Cap()))) {
		t.Fatal("library WriteTo does not start with m: format assumption broken")
	}
}

func TestTestDoesNotAllocate(t *testing.T) {
	s := New(Options{})
	long := indicators.Key("url:http://example.vn/" + strings.Repeat("a", 300))
	s.Add("phone:+84912345678", long)
	for _, k := range []indicators.Key{"phone:+84912345678", long, "phone:+84900000000", "nokind"} {
		if n := testing.AllocsPerRun(100, func() { s.Test(k) }); n != 0 {
			t.Errorf("Test(%q) allocates %v times", k, n)
		}
	}
}
