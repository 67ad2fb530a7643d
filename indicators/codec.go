package indicators

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Stores keep records in this small binary encoding rather than JSON: with
// JSON, encoding and decoding took over half of a 1000-record upsert (about
// 3 of 6 ms), too slow for the import target of 150k indicators/s, and cost
// Redis memory. This one is about twenty times faster and a quarter of the
// size (BenchmarkCodec). Both stores share it, so a record dumped from one
// loads into the other.
//
// Layout, version 1 (all integers varints):
//
//	version byte (1)
//	status, category, level           strings
//	sources: count, then per source   name, external id, first seen, last seen
//	reports                           signed
//	first seen, last seen, expires at times
//	confirmed by, confirmed at        string, time
//	holder name, note                 strings
//	updated at                        time
//
// A string is a length and its bytes; a time is signed Unix seconds and
// nanoseconds, UTC (the zero time round-trips as the zero time). Key, Kind
// and Value are not stored: they are the store's own key. A new Record field
// needs a new version byte; TestCodecCoversEveryField fails until it has one.
const codecVersion = 1

// ErrCorrupt marks stored data that does not decode: a record, report or
// key written by an incompatible version, or damaged.
var ErrCorrupt = errors.New("corrupt stored data")

// AppendRecord appends the binary encoding of r (without its key) to dst.
func AppendRecord(dst []byte, r *Record) []byte {
	dst = append(dst, codecVersion)
	dst = appendString(dst, string(r.Status))
	dst = appendString(dst, string(r.Category))
	dst = appendString(dst, r.Level)
	dst = binary.AppendUvarint(dst, uint64(len(r.Sources)))
	for i := range r.Sources {
		s := &r.Sources[i]
		dst = appendString(dst, s.Name)
		dst = appendString(dst, s.ExternalID)
		dst = appendTime(dst, s.FirstSeen)
		dst = appendTime(dst, s.LastSeen)
	}
	dst = binary.AppendVarint(dst, int64(r.Reports))
	dst = appendTime(dst, r.FirstSeen)
	dst = appendTime(dst, r.LastSeen)
	dst = appendTime(dst, r.ExpiresAt)
	dst = appendString(dst, r.ConfirmedBy)
	dst = appendTime(dst, r.ConfirmedAt)
	dst = appendString(dst, r.HolderName)
	dst = appendString(dst, r.Note)
	dst = appendTime(dst, r.UpdatedAt)
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendTime(dst []byte, t time.Time) []byte {
	dst = binary.AppendVarint(dst, t.Unix())
	return binary.AppendUvarint(dst, uint64(t.Nanosecond()))
}

// DecodeRecord fills r from the stored encoding data of key, as written by
// AppendRecord. Every string field of r is a slice of data, so callers
// holding bytes convert once. Undecodable data gives an error matching
// ErrCorrupt.
func DecodeRecord(key Key, data string, r *Record) error {
	if len(data) == 0 || data[0] != codecVersion {
		return fmt.Errorf("%w %q: unknown encoding version", ErrCorrupt, key)
	}
	d := decoder{buf: data, off: 1}
	*r = Record{Key: key, Kind: key.Kind(), Value: key.Value()}
	r.Status = Status(d.string())
	r.Category = Category(d.string())
	r.Level = d.string()
	if n := d.uvarint(); n > 0 && d.err == nil {
		// Each source takes at least 6 bytes: bound n before allocating.
		if n > uint64(len(d.buf)-d.off)/6 {
			return fmt.Errorf("%w %q: %d sources in %d bytes", ErrCorrupt, key, n, len(d.buf)-d.off)
		}
		r.Sources = make([]Source, n)
		for i := range r.Sources {
			s := &r.Sources[i]
			s.Name, s.ExternalID = d.string(), d.string()
			s.FirstSeen, s.LastSeen = d.time(), d.time()
		}
	}
	r.Reports = int(d.varint())
	r.FirstSeen, r.LastSeen, r.ExpiresAt = d.time(), d.time(), d.time()
	r.ConfirmedBy, r.ConfirmedAt = d.string(), d.time()
	r.HolderName, r.Note = d.string(), d.string()
	r.UpdatedAt = d.time()
	if d.err == nil && d.off != len(d.buf) {
		d.err = errors.New("trailing bytes")
	}
	if d.err != nil {
		return fmt.Errorf("%w %q: %w", ErrCorrupt, key, d.err)
	}
	return nil
}

// decoder reads the fields of one record; the first error sticks and later
// reads return zero values, so DecodeRecord checks once at the end.
type decoder struct {
	buf string
	off int
	err error
}

var errShort = errors.New("truncated")

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if d.off >= len(d.buf) {
			d.err = errShort
			return 0
		}
		b := d.buf[d.off]
		d.off++
		v |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return v
		}
	}
	d.err = errors.New("varint overflow")
	return 0
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.buf)-d.off) {
		d.err = errShort
		return ""
	}
	s := d.buf[d.off : d.off+int(n)]
	d.off += int(n)
	return s
}

func (d *decoder) time() time.Time {
	sec, nsec := d.varint(), d.uvarint()
	if d.err != nil {
		return time.Time{}
	}
	if nsec >= 1e9 {
		d.err = errors.New("nanoseconds out of range")
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}
