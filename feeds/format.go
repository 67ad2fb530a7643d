// Package feeds turns threat feeds into indicator items: one streaming parser
// per feed format, each yielding the indicators a feed names together with the
// line (or record) that named them, so that the import pipeline can normalize
// them and report every rejected line with its reason.
//
// Parsers never hold more than one record in memory (plus a bounded read
// buffer): lines longer than Options.MaxLineBytes and JSON records larger
// than Options.MaxRecordBytes are refused rather than buffered. They do not
// normalize: Item.Value is the text as the feed states it, and the pipeline
// calls indicators.Normalize (or indicators.Parse when Item.Kind is empty).
//
// Errors come in two sizes. A *RecordError is one bad record: the caller
// writes it to the rejects report and calls Next again. Any other error is
// fatal and sticky: the input is not the stated format (it wraps ErrFormat
// and names the line and what was expected), or reading failed. A parser
// decides on the first data record whether the input is its format at all,
// so a file given with the wrong format fails fast instead of producing a
// rejects report as long as the file.
//
// Parsers read from an io.Reader and take no context: cancel a slow remote
// feed by closing its body, which makes the next Next return the read error.
package feeds

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scamcheck/scamcheck/indicators"
)

// Format names a feed format.
type Format string

// The supported feed formats.
const (
	FormatPlain         Format = "plain"          // one value per line
	FormatHosts         Format = "hosts"          // 0.0.0.0 host…
	FormatAdblock       Format = "adblock"        // ||host^
	FormatCSV           Format = "csv"            // CSV with a header or a column map
	FormatJSONL         Format = "jsonl"          // one JSON object per line
	FormatChongLuaDao   Format = "chongluadao"    // ChongLuaDao blacklist/whitelist JSON array
	FormatOpenPhish     Format = "openphish"      // one URL per line
	FormatPhishTankCSV  Format = "phishtank-csv"  // PhishTank verified_online.csv
	FormatPhishTankJSON Format = "phishtank-json" // PhishTank verified_online.json
	FormatURLhaus       Format = "urlhaus"        // abuse.ch URLhaus CSV dump
	FormatSTIX          Format = "stix"           // STIX 2.1 bundle
	FormatMISP          Format = "misp"           // MISP event JSON
)

var allFormats = []Format{FormatPlain, FormatHosts, FormatAdblock, FormatCSV, FormatJSONL,
	FormatChongLuaDao, FormatOpenPhish, FormatPhishTankCSV, FormatPhishTankJSON,
	FormatURLhaus, FormatSTIX, FormatMISP}

// Formats lists every supported format in a fixed order (for help texts).
func Formats() []Format { return slices.Clone(allFormats) }

// formatAliases are the other names people give the formats on a command line.
var formatAliases = map[string]Format{
	"txt": FormatPlain, "text": FormatPlain, "list": FormatPlain,
	"abp": FormatAdblock, "ndjson": FormatJSONL, "json-lines": FormatJSONL,
	"phishtank": FormatPhishTankCSV, "stix2": FormatSTIX, "stix2.1": FormatSTIX,
}

// ParseFormat accepts a format name (case-insensitive, a few aliases such as
// "txt", "abp" and "ndjson" included). An unknown name wraps ErrOption.
func ParseFormat(s string) (Format, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if f := Format(v); slices.Contains(allFormats, f) {
		return f, nil
	}
	if f, ok := formatAliases[v]; ok {
		return f, nil
	}
	names := make([]string, len(allFormats))
	for i, f := range allFormats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("%w: unknown feed format %q (want one of %s)", ErrOption, s, strings.Join(names, ", "))
}

var (
	// ErrFormat marks input that is not the stated format (or that Detect
	// cannot place). Parsing stops at the first such error.
	ErrFormat = errors.New("feed is not in the stated format")
	// ErrOption marks bad parser options: an unknown format name, a column
	// map naming an unknown field, a kind that is not one of the four.
	ErrOption = errors.New("invalid feed option")
)

// Item is one indicator as a feed states it, before normalization.
type Item struct {
	// Line is the 1-based line (text formats) or record number (JSON
	// formats: array element, STIX object, MISP attribute), for reject
	// reports. Items from one line (a hosts line naming several hosts, a
	// STIX pattern with an OR) share it.
	Line int
	// Kind is "" when the feed does not say: the pipeline auto-detects it
	// with indicators.Parse.
	Kind indicators.Kind
	// Value is the raw value: phone, domain, URL; for bank accounts "<bank>
	// <account>" text (Bank and Account are also set when the feed gives
	// them apart).
	Value string
	// Bank and Account are set for bank accounts given in separate columns
	// or fields; prefer them to Value when both are set.
	Bank, Account string
	// Category is the feed's label mapped with indicators.ParseCategory;
	// "" when the feed gives none.
	Category indicators.Category
	// Level is the feed's severity as given (ChongLuaDao "high", "medium").
	Level string
	// ExternalID is the feed's own id (phish_id, URLhaus id, STIX id, MISP
	// attribute uuid, ChongLuaDao _id).
	ExternalID string
	// HolderName is the account or phone holder's name as reported.
	HolderName string
	// Seen is when the feed says the indicator was seen or submitted; zero
	// when unknown or unparseable (a bad date does not reject an indicator).
	Seen time.Time
	// Raw is the line or record the item came from, cut to MaxRawBytes.
	Raw string
}

// Parser yields the items of one feed. Next returns io.EOF after the last
// item, a *RecordError for a bad record (call Next again), or another error
// when parsing cannot go on (it is returned again by every later call).
type Parser interface {
	Next() (Item, error)
}

// RecordError is one record the parser could not read: the caller reports it
// and continues with the next call to Next.
type RecordError struct {
	Line   int    // 1-based line or record number, as Item.Line
	Reason string // English, for the rejects report
	Raw    string // the record, cut to MaxRawBytes
}

func (e *RecordError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// Options tune a parser. The zero value is ready to use.
type Options struct {
	// Kind forces the kind of every value of a plain list (and of "value"
	// columns of CSV and JSON Lines without a kind column); "" lets the
	// pipeline detect each value's kind.
	Kind indicators.Kind
	// Map maps CSV columns (or JSON Lines keys) to fields, as
	// "number=0,bank=1,account=2" (0-based indexes) or
	// "phone=sdt,bank=ngan_hang,account=stk" (header names). Fields:
	// phone|number, bank, account, domain, url, value, kind, category,
	// holder|holder_name, id, seen|reported_at, level. Empty: known header
	// names are mapped automatically.
	Map string
	// MaxLineBytes bounds a line of a text format (default 64 KiB); a longer
	// line is a RecordError and is skipped without being buffered.
	MaxLineBytes int
	// MaxRecordBytes bounds one record of a JSON format: an array element, a
	// STIX object (default 1 MiB); a MISP event may be up to maxMISPEventBytes.
	// A larger record stops parsing with an ErrFormat error, because a JSON
	// stream cannot be resynchronised after an unread value.
	MaxRecordBytes int
}

// Defaults for Options.
const (
	DefaultMaxLineBytes   = 64 << 10
	DefaultMaxRecordBytes = 1 << 20
	// MaxRawBytes bounds Item.Raw and RecordError.Raw so that a rejects
	// report stays readable and small.
	MaxRawBytes = 300
)

// maxMISPEventBytes bounds one MISP event, which is decoded whole. Events are
// bounded in practice (MISP's own UI struggles well before this); the cap
// keeps a hostile file from taking the machine's memory. A variable so that
// tests can lower it.
var maxMISPEventBytes int64 = 256 << 20

func (o Options) withDefaults() Options {
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = DefaultMaxRecordBytes
	}
	return o
}

// NewParser returns a parser for a feed in the given format read from r. If r
// is a *bufio.Reader (as after Detect) it is used directly, so nothing Detect
// peeked is lost. NewParser itself looks at the first bytes: input that cannot
// be the format (binary or gzip data for a text format, a JSON format not
// starting with '{' or '[') fails here with ErrFormat.
func NewParser(format Format, r io.Reader, opts Options) (Parser, error) {
	opts = opts.withDefaults()
	if opts.Kind != "" && !opts.Kind.Valid() {
		return nil, fmt.Errorf("%w: unknown kind %q", ErrOption, opts.Kind)
	}
	cm, err := parseColumnMap(opts.Map)
	if err != nil {
		return nil, err
	}
	if !cm.empty() && format != FormatCSV && format != FormatJSONL {
		return nil, fmt.Errorf("%w: a column map applies to csv and jsonl feeds, not %s", ErrOption, format)
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	switch format {
	case FormatChongLuaDao, FormatPhishTankJSON, FormatSTIX, FormatMISP:
		if err := checkJSONStart(br, format); err != nil {
			return nil, err
		}
	default:
		if err := checkText(br, format); err != nil {
			return nil, err
		}
	}
	switch format {
	case FormatPlain:
		return newTextParser(br, opts, &plainLines{kind: opts.Kind}), nil
	case FormatHosts:
		return newTextParser(br, opts, &hostsLines{}), nil
	case FormatAdblock:
		return newTextParser(br, opts, &adblockLines{}), nil
	case FormatOpenPhish:
		return newTextParser(br, opts, &openPhishLines{}), nil
	case FormatCSV:
		if !cm.empty() && !cm.hasValue() {
			return nil, fmt.Errorf("%w: column map %q names no value column (phone, account, domain, url or value)", ErrOption, opts.Map)
		}
		return newTextParser(br, opts, newMappedCSV(cm, opts.Kind)), nil
	case FormatJSONL:
		if cm.hasIndex() {
			return nil, fmt.Errorf("%w: a jsonl column map takes key names, not indexes", ErrOption)
		}
		return newTextParser(br, opts, newJSONLines(cm, opts.Kind)), nil
	case FormatPhishTankCSV:
		return newTextParser(br, opts, newPhishTankCSV()), nil
	case FormatURLhaus:
		return newTextParser(br, opts, newURLhausCSV()), nil
	case FormatChongLuaDao:
		return newArrayParser(br, opts, format, chongLuaDaoRecord), nil
	case FormatPhishTankJSON:
		return newArrayParser(br, opts, format, phishTankRecord), nil
	case FormatSTIX:
		return newSTIXParser(br, opts), nil
	case FormatMISP:
		return newMISPParser(br, opts), nil
	}
	_, err = ParseFormat(string(format))
	return nil, err
}

// checkText refuses binary input given as a text format: a compressed feed
// saved without decompressing is the common mistake, and parsing it line by
// line would only fill the rejects report with garbage.
func checkText(br *bufio.Reader, format Format) error {
	// A read error is left for Next to return after the lines before it.
	b, _ := br.Peek(512)
	switch {
	case len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b:
		return fmt.Errorf("%w: %s feed is gzip-compressed; decompress it first", ErrFormat, format)
	case len(b) >= 4 && string(b[:4]) == "PK\x03\x04":
		return fmt.Errorf("%w: %s feed is a zip archive; extract it first", ErrFormat, format)
	case slices.Contains(b, 0):
		return fmt.Errorf("%w: %s feed contains binary data (NUL bytes) in its first %d bytes", ErrFormat, format, len(b))
	}
	return nil
}

// clip cuts s to MaxRawBytes without splitting a UTF-8 sequence.
func clip(s string) string {
	if len(s) <= MaxRawBytes {
		return s
	}
	i := MaxRawBytes
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// quote renders a feed value for an error message, bounded.
func quote(s string) string {
	const n = 80
	if len(s) > n {
		i := n
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i] + "…"
	}
	return strconv.Quote(s)
}

// formatErr builds a fatal error for input that is not the stated format.
func formatErr(format Format, line int, msg string, args ...any) error {
	if line > 0 {
		return fmt.Errorf("%w: %s feed, line %d: %s", ErrFormat, format, line, fmt.Sprintf(msg, args...))
	}
	return fmt.Errorf("%w: %s feed: %s", ErrFormat, format, fmt.Sprintf(msg, args...))
}

// timeLayouts are the timestamp shapes feeds use, most common first.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04:05Z07:00", "2006-01-02"}

// parseTime reads a feed timestamp: RFC 3339, "2006-01-02 15:04:05" (UTC, as
// URLhaus writes it), a bare date, or Unix seconds (milliseconds when the
// number is too large to be seconds). Anything else gives the zero time.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n <= 0 {
			return time.Time{}
		}
		if n > 1e11 {
			return time.UnixMilli(n).UTC()
		}
		return time.Unix(n, 0).UTC()
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
