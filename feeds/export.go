package feeds

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// Export writes the stored indicators in a feed format that Import reads
// back to the same keys:
//
//   - plain: one value per line, after a "#" header — phones in E.164,
//     bank accounts as "<BIN>:<account>", domains, URLs with "http://"
//     (the key of a URL has no scheme; any scheme gives the same key);
//   - csv: a header naming the columns, which the csv parser maps by name
//     (kind, value, bank, account, category, level, holder_name,
//     first_seen); bank accounts fill bank and account, every other kind
//     value;
//   - stix: a STIX 2.1 bundle of indicator objects whose patterns follow
//     the convention the STIX parser reads ([domain-name:value = '…'],
//     [url:value = '…'], [x-phone-number:value = '…'],
//     [x-bank-account:value = '<BIN>:<account>']). Ids are UUIDv5 of the
//     key, so exporting twice names the same indicator the same way.
//
// Records are streamed from Store.Iterate, never held all at once.

// ExportFormats lists the formats Export writes.
var ExportFormats = []Format{FormatPlain, FormatCSV, FormatSTIX}

// ExportOptions select what Export writes. The zero Kind and Status select
// every kind and every scam indicator (see Status).
type ExportOptions struct {
	// Format is FormatPlain, FormatCSV or FormatSTIX.
	Format Format
	// Kind restricts the export to one kind; "" exports all.
	Kind indicators.Kind
	// Status restricts the export to one status. "" exports reported and
	// confirmed indicators: delisted ones are no longer scams, and trusted
	// ones (the allowlist) would turn a blocklist against official sites.
	// Asking for trusted in STIX marks them benign, which the STIX parser
	// refuses to import as threats — as it should.
	Status indicators.Status
	// Now is the clock for the bundle's header (default time.Now).
	Now func() time.Time
}

// Export writes the store's indicators selected by opts to w and returns how
// many it wrote. An unknown format wraps ErrOption.
func Export(ctx context.Context, store indicators.Store, w io.Writer, opts ExportOptions) (int, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Kind != "" && !opts.Kind.Valid() {
		return 0, fmt.Errorf("%w: unknown kind %q", ErrOption, opts.Kind)
	}
	if opts.Status != "" && !opts.Status.Valid() {
		return 0, fmt.Errorf("%w: unknown status %q", ErrOption, opts.Status)
	}
	var enc exportEncoder
	switch opts.Format {
	case FormatPlain:
		enc = &plainEncoder{}
	case FormatCSV:
		enc = &csvEncoder{}
	case FormatSTIX:
		enc = &stixEncoder{}
	default:
		return 0, fmt.Errorf("%w: cannot export format %q (want plain, csv or stix)", ErrOption, opts.Format)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := enc.begin(bw, opts); err != nil {
		return 0, fmt.Errorf("feeds: export: %w", err)
	}
	n := 0
	err := store.Iterate(ctx, opts.Kind, func(r indicators.Record) error {
		if !exported(&r, opts.Status) {
			return nil
		}
		n++
		return enc.record(&r)
	})
	if err != nil {
		return n, fmt.Errorf("feeds: export: %w", err)
	}
	if err := enc.end(); err != nil {
		return n, fmt.Errorf("feeds: export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("feeds: export: %w", err)
	}
	return n, nil
}

func exported(r *indicators.Record, status indicators.Status) bool {
	if status != "" {
		return r.Status == status
	}
	return r.Status == indicators.StatusReported || r.Status == indicators.StatusConfirmed
}

// exportEncoder writes one format.
type exportEncoder interface {
	begin(w *bufio.Writer, opts ExportOptions) error
	record(r *indicators.Record) error
	end() error
}

// exportValue is the value written for a record in plain and STIX exports:
// one that normalizes back to r.Key.
func exportValue(r *indicators.Record) string {
	if r.Kind == indicators.KindURL {
		return "http://" + r.Value
	}
	return r.Value
}

type plainEncoder struct{ w *bufio.Writer }

func (e *plainEncoder) begin(w *bufio.Writer, opts ExportOptions) error {
	e.w = w
	_, err := fmt.Fprintf(w, "# scamcheck export, %s\n", opts.Now().UTC().Format(time.RFC3339))
	return err
}

func (e *plainEncoder) record(r *indicators.Record) error {
	e.w.WriteString(exportValue(r))
	return e.w.WriteByte('\n')
}

func (e *plainEncoder) end() error { return nil }

// csvHeader names the CSV export's columns; the first eight are names the
// csv parser maps (see headerAliases), the rest are for people.
var csvHeader = []string{"kind", "value", "bank", "account", "category", "level", "holder_name", "first_seen",
	"last_seen", "status", "reports", "sources", "expires_at"}

type csvEncoder struct {
	w   *csv.Writer
	row []string
}

func (e *csvEncoder) begin(w *bufio.Writer, _ ExportOptions) error {
	e.w = csv.NewWriter(w)
	e.row = make([]string, len(csvHeader))
	return e.w.Write(csvHeader)
}

func (e *csvEncoder) record(r *indicators.Record) error {
	row := e.row
	clear(row)
	row[0] = string(r.Kind)
	if r.Kind == indicators.KindBankAccount {
		row[2], row[3], _ = strings.Cut(r.Value, ":")
	} else {
		row[1] = exportValue(r)
	}
	row[4], row[5], row[6] = string(r.Category), r.Level, r.HolderName
	row[7], row[8] = csvTime(r.FirstSeen), csvTime(r.LastSeen)
	row[9], row[10] = string(r.Status), strconv.Itoa(r.Reports)
	row[11] = strings.Join(r.SourceNames(), "|")
	row[12] = csvTime(r.ExpiresAt)
	return e.w.Write(row)
}

func (e *csvEncoder) end() error {
	e.w.Flush()
	return e.w.Error()
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// stixPathOf is the pattern path of each kind, the inverse of stixPaths.
var stixPathOf = map[indicators.Kind]string{
	indicators.KindDomain:      "domain-name:value",
	indicators.KindURL:         "url:value",
	indicators.KindPhone:       "x-phone-number:value",
	indicators.KindBankAccount: "x-bank-account:value",
}

// stixNamespace is the UUIDv5 namespace of exported STIX ids (a fixed
// random UUID: ids depend only on the key).
var stixNamespace = [16]byte{0x3c, 0x5e, 0x0b, 0x6e, 0x8f, 0x41, 0x4d, 0x2a, 0x9b, 0x7c, 0x51, 0x0e, 0x6d, 0x2f, 0x84, 0x19}

// stixIndicator is an exported STIX 2.1 indicator object.
type stixIndicator struct {
	Type           string   `json:"type"`
	SpecVersion    string   `json:"spec_version"`
	ID             string   `json:"id"`
	Created        string   `json:"created"`
	Modified       string   `json:"modified"`
	Name           string   `json:"name"`
	IndicatorTypes []string `json:"indicator_types"`
	Pattern        string   `json:"pattern"`
	PatternType    string   `json:"pattern_type"`
	ValidFrom      string   `json:"valid_from"`
	ValidUntil     string   `json:"valid_until,omitempty"`
	Status         string   `json:"x_scamcheck_status"`
	Sources        []string `json:"x_scamcheck_sources,omitempty"`
}

type stixEncoder struct {
	w     *bufio.Writer
	first bool
}

func (e *stixEncoder) begin(w *bufio.Writer, opts ExportOptions) error {
	e.w, e.first = w, true
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return err
	}
	id[6] = id[6]&0x0f | 0x40 // version 4
	id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
	_, err := fmt.Fprintf(w, `{"type":"bundle","id":"bundle--%s","objects":[`, formatUUID(id))
	return err
}

func (e *stixEncoder) record(r *indicators.Record) error {
	created := r.FirstSeen
	if created.IsZero() {
		created = r.UpdatedAt
	}
	modified := r.UpdatedAt
	if modified.Before(created) {
		modified = created
	}
	types := []string{"malicious-activity"}
	if r.Status == indicators.StatusTrusted {
		types = []string{"benign"}
	} else if r.Category != "" && r.Category != indicators.CategoryOther {
		// The parser skips the generic type and takes the first that names
		// a category: the category survives a round trip.
		types = append(types, string(r.Category))
	}
	o := stixIndicator{
		Type: "indicator", SpecVersion: "2.1", ID: "indicator--" + formatUUID(uuidV5(stixNamespace, string(r.Key))),
		Created: stixTime(created), Modified: stixTime(modified), Name: r.Value, IndicatorTypes: types,
		Pattern:     "[" + stixPathOf[r.Kind] + " = '" + stixEscape(exportValue(r)) + "']",
		PatternType: "stix", ValidFrom: stixTime(created), Status: string(r.Status), Sources: r.SourceNames(),
	}
	if r.ExpiresAt.After(created) {
		o.ValidUntil = stixTime(r.ExpiresAt)
	}
	b, err := json.Marshal(o)
	if err != nil {
		return err
	}
	if e.first {
		e.w.WriteString("\n")
		e.first = false
	} else {
		e.w.WriteString(",\n")
	}
	_, err = e.w.Write(b)
	return err
}

func (e *stixEncoder) end() error {
	_, err := e.w.WriteString("\n]}\n")
	return err
}

// stixTime formats a STIX timestamp: UTC, "Z", milliseconds.
func stixTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// stixEscape escapes a STIX pattern string literal (\' and \\ only).
var stixEscape = strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace

// uuidV5 is the name-based (SHA-1) UUID of name in namespace ns (RFC 4122).
func uuidV5(ns [16]byte, name string) [16]byte {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var id [16]byte
	copy(id[:], h.Sum(nil))
	id[6] = id[6]&0x0f | 0x50
	id[8] = id[8]&0x3f | 0x80
	return id
}

func formatUUID(id [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], id[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], id[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], id[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], id[8:10])
	b[23] = '-'
	hex.Encode(b[24:], id[10:])
	return string(b[:])
}
