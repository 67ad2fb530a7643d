package bloom

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
)

// filledSet returns a Set with keys of two kinds, and those keys.
func filledSet(t testing.TB) (*Set, []indicators.Key) {
	t.Helper()
	s := New(Options{Expected: map[indicators.Kind]uint{indicators.KindPhone: 20_000, indicators.KindDomain: 5000}})
	keys := append(phoneKeys(0, 20_000), domainKeys(0, 5000)...)
	s.Add(keys...)
	s.setMeta(7, "1700000000123-4")
	return s, keys
}

func TestSnapshotFileRoundTrip(t *testing.T) {
	s, keys := filledSet(t)
	path := filepath.Join(t.TempDir(), "filters.scbf")
	if err := s.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	// Saving again replaces the file atomically and leaves no temp file.
	s.Add("url:http://late.example/")
	if err := s.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("directory holds %d entries after two saves, want 1", len(ents))
	}
	got, meta, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Generation != 7 || meta.Position != "1700000000123-4" {
		t.Errorf("meta = %+v, want generation 7 position 1700000000123-4", meta)
	}
	if got.Generation() != 7 || got.Position() != "1700000000123-4" {
		t.Errorf("loaded Set generation %d position %q", got.Generation(), got.Position())
	}
	mustAllPresent(t, got, append(keys, "url:http://late.example/"))
	want := s.Stats()
	for i, st := range got.Stats() {
		if st != want[i] {
			t.Errorf("stats after load %+v, want %+v", st, want[i])
		}
	}
	if r := fpRate(got, phoneKeys(100_000, 100_000)); r > 0.0015 {
		t.Errorf("loaded filter FPR %.5f", r)
	}
	// The loaded Set keeps the sizing it was saved with.
	if n := got.opts.Expected[indicators.KindPhone]; n != 20_000 {
		t.Errorf("loaded expected phone = %d, want 20000", n)
	}
}

func TestLoadFileMissing(t *testing.T) {
	_, _, err := LoadFile(filepath.Join(t.TempDir(), "none.scbf"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("LoadFile of a missing file: %v, want fs.ErrNotExist", err)
	}
}

func TestSnapshotCorrupt(t *testing.T) {
	s, _ := filledSet(t)
	var buf bytes.Buffer
	if err := s.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	edit := func(fn func(b []byte) []byte) []byte { return fn(bytes.Clone(good)) }
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"bad magic", edit(func(b []byte) []byte { b[0] = 'X'; return b })},
		{"future version", edit(func(b []byte) []byte { b[5] = 9; return b })},
		{"flipped bit in filter", edit(func(b []byte) []byte { b[len(b)/2] ^= 0x10; return b })},
		{"flipped bit in count", edit(func(b []byte) []byte { b[60] ^= 1; return b })},
		{"bad checksum", edit(func(b []byte) []byte { b[len(b)-1] ^= 0xff; return b })},
		{"truncated in filter", good[:len(good)/3]},
		{"truncated checksum", good[:len(good)-2]},
		{"huge filter length", edit(func(b []byte) []byte {
			// The phone section's m: make it absurd; must be refused before allocating.
			off := 4 + 2 + 2 + 8 + 2 + len("1700000000123-4") + 8 + 2 + 1 + len("phone") + 32
			b[off] = 0x7f
			return b
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadSnapshot(bytes.NewReader(tt.data))
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("ReadSnapshot = %v, want ErrCorrupt", err)
			}
			// LoadSnapshot leaves the Set as it was.
			s2 := New(Options{})
			s2.Add("phone:+84912345678")
			if _, err := s2.LoadSnapshot(bytes.NewReader(tt.data)); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("LoadSnapshot = %v, want ErrCorrupt", err)
			}
			if !s2.Test("phone:+84912345678") || s2.Generation() != 0 {
				t.Fatal("failed LoadSnapshot changed the Set")
			}
		})
	}
	if _, _, err := ReadSnapshot(bytes.NewReader(good)); err != nil {
		t.Fatalf("the unedited snapshot: %v", err)
	}
}

// TestLoadSnapshotKeepsConcurrentAdds checks that keys added while a
// snapshot is being loaded into a Set are in the Set afterwards.
func TestLoadSnapshotKeepsConcurrentAdds(t *testing.T) {
	src, keys := filledSet(t)
	var buf bytes.Buffer
	if err := src.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	dst := New(Options{})
	late := domainKeys(50_000, 2000)
	done := make(chan struct{})
	sr := &slowReader{r: bytes.NewReader(buf.Bytes()), started: make(chan struct{})}
	go func() {
		defer close(done)
		<-sr.started // add while the load is under way, not before it
		for _, k := range late {
			dst.Add(k)
		}
	}()
	if _, err := dst.LoadSnapshot(sr); err != nil {
		t.Fatal(err)
	}
	<-done
	mustAllPresent(t, dst, keys)
	mustAllPresent(t, dst, late)
}

// slowReader hands out small reads so that a load takes a while, and
// closes started on the first one.
type slowReader struct {
	r       *bytes.Reader
	started chan struct{}
	once    sync.Once
}

func (s *slowReader) Read(p []byte) (int, error) {
	s.once.Do(func() { close(s.started) })
	return s.r.Read(p[:min(len(p), 512)])
}
