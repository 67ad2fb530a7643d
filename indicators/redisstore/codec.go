package redisstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// Records are stored in a compact binary form rather than JSON: a bulk
// import writes hundreds of thousands of them a second, and the encoding is
// a large share of the client's CPU and of Redis memory.
//
// Layout (version 1), all integers as (zigzag) varints, strings as
// length-prefixed bytes, times as a presence byte then seconds and
// nanoseconds since the Unix epoch (UTC):
//
//	0x01 status category level reports first_seen last_seen expires_at
//	confirmed_by confirmed_at holder_name note updated_at
//	n_sources {name external_id first_seen last_seen}*n
//
// Key, kind and value are not stored: the Redis key carries them.
const codecVersion = 1

// errCorrupt marks a stored value that is not a record of this codec.
var errCorrupt = errors.New("corrupt record")

// appendRecord appends the encoding of r to b.
func appendRecord(b []byte, r *indicators.Record) []byte {
	b = append(b, codecVersion)
	b = appendString(b, string(r.Status))
	b = appendString(b, string(r.Category))
	b = appendString(b, r.Level)
	b = binary.AppendVarint(b, int64(r.Reports))
	b = appendTime(b, r.FirstSeen)
	b = appendTime(b, r.LastSeen)
	b = appendTime(b, r.ExpiresAt)
	b = appendString(b, r.ConfirmedBy)
	b = appendTime(b, r.ConfirmedAt)
	b = appendString(b, r.HolderName)
	b = appendString(b, r.Note)
	b = appendTime(b, r.UpdatedAt)
	b = binary.AppendUvarint(b, uint64(len(r.Sources)))
	for i := range r.Sources {
		s := &r.Sources[i]
		b = appendString(b, s.Name)
		b = appendString(b, s.ExternalID)
		b = appendTime(b, s.FirstSeen)
		b = appendTime(b, s.LastSeen)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// decodeRecord decodes a stored value for key.
func decodeRecord(key indicators.Key, s string) (indicators.Record, error) {
	d := decoder{s: s}
	if d.byte() != codecVersion {
		return indicators.Record{}, fmt.Errorf("%w %q: unknown encoding", errCorrupt, key)
	}
	r := indicators.Record{Key: key, Kind: key.Kind(), Value: key.Value()}
	r.Status = indicators.Status(d.string())
	r.Category = indicators.Category(d.string())
	r.Level = d.string()
	r.Reports = int(d.varint())
	r.FirstSeen = d.time()
	r.LastSeen = d.time()
	r.ExpiresAt = d.time()
	r.ConfirmedBy = d.string()
	r.ConfirmedAt = d.time()
	r.HolderName = d.string()
	r.Note = d.string()
	r.UpdatedAt = d.time()
	n := d.uvarint()
	// Each source takes at least 4 bytes, which bounds n by what is left
	// and keeps a corrupt count from allocating a huge slice.
	if n > uint64(len(d.s)-d.i)/4 {
		return indicators.Record{}, fmt.Errorf("%w %q: bad source count", errCorrupt, key)
	}
	if n > 0 {
		r.Sources = make([]indicators.Source, n)
		for i := range r.Sources {
			src := &r.Sources[i]
			src.Name = d.string()
			src.ExternalID = d.string()
			src.FirstSeen = d.time()
			src.LastSeen = d.time()
		}
	}
	if d.bad || d.i != len(d.s) {
		return indicators.Record{}, fmt.Errorf("%w %q: truncated or trailing bytes", errCorrupt, key)
	}
	return r, nil
}

// decoder reads the codec from a string without copying it; bad is set on
// the first malformed field and every later read returns zero values.
type decoder struct {
	s   string
	i   int
	bad bool
}

func (d *decoder) byte() byte {
	if d.bad || d.i >= len(d.s) {
		d.bad = true
		return 0
	}
	c := d.s[d.i]
	d.i++
	return c
}

func (d *decoder) uvarint() uint64 {
	var x uint64
	for shift := uint(0); shift < 64; shift += 7 {
		c := d.byte()
		if d.bad {
			return 0
		}
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			if c == 0 && shift > 0 {
				break // overlong: the encoder never writes it
			}
			return x
		}
	}
	d.bad = true
	return 0
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.s)-d.i) {
		d.bad = true
		return ""
	}
	s := d.s[d.i : d.i+int(n)]
	d.i += int(n)
	return s
}

func (d *decoder) time() time.Time {
	switch d.byte() {
	case 0:
		return time.Time{}
	case 1:
		sec := d.varint()
		nsec := d.uvarint()
		if d.bad || nsec >= 1e9 {
			d.bad = true
			return time.Time{}
		}
		return time.Unix(sec, int64(nsec)).UTC()
	}
	d.bad = true
	return time.Time{}
}
