package bloom

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// Snapshot format, version 1. All integers are big-endian.
//
//	"SCBF"  u16 version  u16 flags(0)  u64 generation
//	u16 len, position (stream ID of the last change-log entry in the filters)
//	u64 target FPR (IEEE 754 bits)  u16 number of kind sections
//	per kind:
//	  u8 len, kind name  u64 configured expected  u64 capacity  u64 count
//	  u64 len, filter: bits-and-blooms/bloom/v3 WriteTo encoding
//	      (u64 m, u64 k, u64 bitset length = m, m/64 rounded up u64 words)
//	u32 CRC-32C of every byte before it
//
// Kind sections carry their own length so that a reader can skip a kind it
// does not know (a newer writer), and the checksum covers the whole file so
// that a torn or corrupted snapshot is refused rather than silently loaded
// with missing bits (which would be false negatives: scams reported unknown).
const (
	snapshotMagic   = "SCBF"
	snapshotVersion = 1
	// maxPositionLen bounds the position string; stream IDs are < 42 bytes.
	maxPositionLen = 256
)

// ErrCorrupt is returned when a snapshot is truncated, fails its checksum
// or is not a snapshot at all.
var ErrCorrupt = errors.New("bloom: corrupt snapshot")

// ErrNoSnapshot is returned when Redis holds no published snapshot.
var ErrNoSnapshot = errors.New("bloom: no snapshot")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Meta describes a snapshot.
type Meta struct {
	// Generation numbers published snapshots; a newer snapshot has a larger
	// one. 0 for a Set that was never published.
	Generation uint64 `json:"generation"`
	// Position is the change-log stream ID up to which every entry is in the
	// snapshot; a reader replays the log after it. "" means from the start.
	Position string `json:"position"`
	// Chunks, Size and Checksum (SHA-256, hex, of the whole snapshot) are
	// set for snapshots stored in Redis.
	Chunks   int    `json:"chunks,omitempty"`
	Size     int64  `json:"size,omitempty"`
	Checksum string `json:"sha256,omitempty"`
	// SavedAt is when the snapshot was written to Redis.
	SavedAt time.Time `json:"saved_at,omitzero"`
}

// WriteSnapshot writes the Set in the snapshot format, with its current
// generation and position. Adds may continue meanwhile: the position is read
// before the bits, so every entry up to it is in what is written (later adds
// may be too, which replaying makes harmless).
func (s *Set) WriteSnapshot(w io.Writer) error {
	_, err := s.writeSnapshot(w, s.Generation(), s.Position())
	return err
}

// writeSnapshot writes the current generation labelled with gen and pos and
// returns the number of bytes written.
func (s *Set) writeSnapshot(w io.Writer, gen uint64, pos string) (int64, error) {
	if len(pos) > maxPositionLen {
		return 0, fmt.Errorf("bloom: write snapshot: position of %d bytes", len(pos))
	}
	g := s.cur.Load()
	cw := &checksumWriter{w: bufio.NewWriterSize(w, 64<<10), h: crc32.New(castagnoli)}
	var hdr []byte
	hdr = append(hdr, snapshotMagic...)
	hdr = binary.BigEndian.AppendUint16(hdr, snapshotVersion)
	hdr = binary.BigEndian.AppendUint16(hdr, 0)
	hdr = binary.BigEndian.AppendUint64(hdr, gen)
	hdr = binary.BigEndian.AppendUint16(hdr, uint16(len(pos)))
	hdr = append(hdr, pos...)
	hdr = binary.BigEndian.AppendUint64(hdr, math.Float64bits(s.opts.FPR))
	hdr = binary.BigEndian.AppendUint16(hdr, numKinds)
	cw.Write(hdr)
	buf := make([]byte, 32<<10)
	for i, kind := range indicators.Kinds {
		f := g.filters[i]
		var sec []byte
		sec = append(sec, byte(len(kind)))
		sec = append(sec, kind...)
		sec = binary.BigEndian.AppendUint64(sec, f.expected)
		sec = binary.BigEndian.AppendUint64(sec, f.capacity)
		sec = binary.BigEndian.AppendUint64(sec, f.count.Load())
		sec = binary.BigEndian.AppendUint64(sec, 24+8*uint64(len(f.words)))
		sec = binary.BigEndian.AppendUint64(sec, f.m)
		sec = binary.BigEndian.AppendUint64(sec, f.k)
		sec = binary.BigEndian.AppendUint64(sec, f.m)
		cw.Write(sec)
		for start := 0; start < len(f.words); start += len(buf) / 8 {
			end := min(start+len(buf)/8, len(f.words))
			b := buf[:0]
			for j := start; j < end; j++ {
				b = binary.BigEndian.AppendUint64(b, atomic.LoadUint64(&f.words[j]))
			}
			cw.Write(b)
		}
	}
	sum := binary.BigEndian.AppendUint32(nil, cw.h.Sum32())
	cw.Write(sum)
	if cw.err == nil {
		cw.err = cw.w.Flush()
	}
	if cw.err != nil {
		return cw.n, fmt.Errorf("bloom: write snapshot: %w", cw.err)
	}
	return cw.n, nil
}

// checksumWriter hashes what it writes and keeps the first error, so the
// encoder above can write without checking each call.
type checksumWriter struct {
	w   *bufio.Writer
	h   hash.Hash32
	n   int64
	err error
}

func (c *checksumWriter) Write(p []byte) {
	if c.err != nil {
		return
	}
	c.h.Write(p)
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
}

// checksumReader hashes what it reads.
type checksumReader struct {
	r io.Reader
	h hash.Hash32
}

func (c *checksumReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	return n, err
}

// ReadSnapshot reads a snapshot written by WriteSnapshot into a new Set
// configured from it (default clock and logger). A truncated, corrupted or
// foreign input gives an error matching ErrCorrupt.
func ReadSnapshot(r io.Reader) (*Set, Meta, error) {
	return readSnapshot(r, Options{})
}

// readSnapshot reads a snapshot into a new Set whose Expected and FPR come
// from the snapshot and whose other options come from base.
func readSnapshot(r io.Reader, base Options) (*Set, Meta, error) {
	g, meta, fpr, err := decodeSnapshot(r)
	if err != nil {
		return nil, Meta{}, err
	}
	base.FPR = fpr
	base.Expected = map[indicators.Kind]uint{}
	for i, k := range indicators.Kinds {
		if f := g.filters[i]; f != nil {
			base.Expected[k] = uint(f.expected)
		}
	}
	s := &Set{opts: base.withDefaults()}
	for i, k := range indicators.Kinds {
		if g.filters[i] == nil { // written by a version that did not know the kind
			n := uint64(s.opts.Expected[k])
			g.filters[i] = newFilter(n, n, s.opts.FPR)
		}
	}
	s.cur.Store(g)
	s.setMeta(meta.Generation, meta.Position)
	return s, meta, nil
}

// LoadSnapshot replaces the Set's filters, generation and position with the
// snapshot's. Lookups continue on the old filters until the new ones are
// complete, and keys added meanwhile are added to the new ones too. On error
// the Set is unchanged.
func (s *Set) LoadSnapshot(r io.Reader) (Meta, error) {
	s.beginSwap()
	next, meta, err := readSnapshot(r, s.opts)
	if err != nil {
		s.endSwap(nil)
		return Meta{}, err
	}
	s.endSwap(next.cur.Load())
	s.setMeta(meta.Generation, meta.Position)
	return meta, nil
}

// corrupt wraps a decoding failure so that it matches ErrCorrupt, keeping
// the cause (io.ErrUnexpectedEOF for a truncated input, or an I/O error).
func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// decodeSnapshot parses a snapshot. Filters of kinds it does not know are
// skipped; kinds absent from the snapshot are nil in the generation.
func decodeSnapshot(r io.Reader) (*generation, Meta, float64, error) {
	cr := &checksumReader{r: bufio.NewReaderSize(r, 64<<10), h: crc32.New(castagnoli)}
	var meta Meta
	fail := func(what string, err error) (*generation, Meta, float64, error) {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, Meta{}, 0, fmt.Errorf("%w: truncated reading %s: %w", ErrCorrupt, what, err)
		}
		return nil, Meta{}, 0, fmt.Errorf("bloom: read snapshot %s: %w", what, err)
	}
	var fixed [18]byte
	if _, err := io.ReadFull(cr, fixed[:]); err != nil {
		return fail("header", err)
	}
	if string(fixed[:4]) != snapshotMagic {
		return nil, Meta{}, 0, corrupt("bad magic %q", fixed[:4])
	}
	if v := binary.BigEndian.Uint16(fixed[4:]); v != snapshotVersion {
		return nil, Meta{}, 0, corrupt("unsupported version %d (this build reads %d)", v, snapshotVersion)
	}
	meta.Generation = binary.BigEndian.Uint64(fixed[8:])
	posLen := int(binary.BigEndian.Uint16(fixed[16:]))
	if posLen > maxPositionLen {
		return nil, Meta{}, 0, corrupt("position of %d bytes", posLen)
	}
	pos := make([]byte, posLen+10)
	if _, err := io.ReadFull(cr, pos); err != nil {
		return fail("header", err)
	}
	meta.Position = string(pos[:posLen])
	fpr := math.Float64frombits(binary.BigEndian.Uint64(pos[posLen:]))
	if !(fpr > 0 && fpr < 1) {
		return nil, Meta{}, 0, corrupt("target FPR %v", fpr)
	}
	nk := int(binary.BigEndian.Uint16(pos[posLen+8:]))
	g := &generation{}
	for range nk {
		f, idx, err := decodeFilter(cr, fpr)
		if err != nil {
			return nil, Meta{}, 0, err
		}
		if idx >= 0 {
			g.filters[idx] = f
		}
	}
	want := cr.h.Sum32()
	var sum [4]byte
	if _, err := io.ReadFull(cr.r, sum[:]); err != nil {
		return fail("checksum", err)
	}
	if got := binary.BigEndian.Uint32(sum[:]); got != want {
		return nil, Meta{}, 0, corrupt("checksum mismatch (stored %08x, computed %08x)", got, want)
	}
	return g, meta, fpr, nil
}

// decodeFilter reads one kind section. It returns idx -1 (and a nil filter)
// for a kind this build does not know.
func decodeFilter(cr *checksumReader, fpr float64) (*filter, int, error) {
	truncated := func(err error) error {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: truncated kind section: %w", ErrCorrupt, io.ErrUnexpectedEOF)
		}
		return fmt.Errorf("bloom: read snapshot: %w", err)
	}
	var nameLen [1]byte
	if _, err := io.ReadFull(cr, nameLen[:]); err != nil {
		return nil, -1, truncated(err)
	}
	head := make([]byte, int(nameLen[0])+32)
	if _, err := io.ReadFull(cr, head); err != nil {
		return nil, -1, truncated(err)
	}
	kind := indicators.Kind(head[:nameLen[0]])
	head = head[nameLen[0]:]
	expected := binary.BigEndian.Uint64(head)
	capacity := binary.BigEndian.Uint64(head[8:])
	count := binary.BigEndian.Uint64(head[16:])
	secLen := binary.BigEndian.Uint64(head[24:])
	idx := kindIndexOf(kind)
	if idx < 0 {
		if _, err := io.CopyN(io.Discard, cr, int64(min(secLen, math.MaxInt64))); err != nil {
			return nil, -1, truncated(err)
		}
		return nil, -1, nil
	}
	var mk [24]byte
	if _, err := io.ReadFull(cr, mk[:]); err != nil {
		return nil, -1, truncated(err)
	}
	m, k, length := binary.BigEndian.Uint64(mk[:]), binary.BigEndian.Uint64(mk[8:]), binary.BigEndian.Uint64(mk[16:])
	switch {
	case m == 0 || m > maxBits:
		return nil, -1, corrupt("%s filter of %d bits", kind, m)
	case k == 0 || k > maxHashes:
		return nil, -1, corrupt("%s filter with %d hashes", kind, k)
	case length != m:
		return nil, -1, corrupt("%s filter bitset length %d for %d bits", kind, length, m)
	case secLen != 24+8*((m+63)/64):
		return nil, -1, corrupt("%s filter section of %d bytes for %d bits", kind, secLen, m)
	}
	f := &filter{words: make([]uint64, (m+63)/64), m: m, k: k,
		capacity: max(capacity, 1), expected: expected, fpr: fpr}
	buf := make([]byte, 32<<10)
	for start := 0; start < len(f.words); start += len(buf) / 8 {
		end := min(start+len(buf)/8, len(f.words))
		b := buf[:8*(end-start)]
		if _, err := io.ReadFull(cr, b); err != nil {
			return nil, -1, truncated(err)
		}
		for j := start; j < end; j++ {
			f.words[j] = binary.BigEndian.Uint64(b[8*(j-start):])
		}
	}
	f.count.Store(count)
	f.recount()
	return f, idx, nil
}

// SaveFile writes the Set's snapshot to path atomically: it writes a
// temporary file in the same directory, syncs it and renames it over path,
// so a crash leaves either the old snapshot or the new one, never a torn one.
func (s *Set) SaveFile(path string) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, base+".tmp-*")
	if err != nil {
		return fmt.Errorf("bloom: save snapshot: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := s.WriteSnapshot(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("bloom: save snapshot: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("bloom: save snapshot: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("bloom: save snapshot: %w", err)
	}
	// Sync the directory so the rename itself survives a crash.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// LoadFile reads a snapshot written by SaveFile into a new Set. A missing
// file gives an error matching fs.ErrNotExist.
func LoadFile(path string) (*Set, Meta, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Meta{}, fmt.Errorf("bloom: load snapshot: %w", err)
	}
	defer f.Close()
	s, meta, err := ReadSnapshot(f)
	if err != nil {
		return nil, Meta{}, fmt.Errorf("bloom: load snapshot %s: %w", path, err)
	}
	return s, meta, nil
}
