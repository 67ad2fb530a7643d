package feeds

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/scamcheck/scamcheck/indicators"
)

// lineReader reads lines of at most max bytes. A longer line is reported as
// long and skipped to its end without being kept: memory stays bounded by max
// whatever the input.
type lineReader struct {
	br  *bufio.Reader
	max int
	n   int // number of the last line returned
	buf []byte
	eof bool
}

// next returns the next line without its "\n" or "\r\n" (and without a
// leading UTF-8 byte order mark on line 1). For a long line it returns its
// first max bytes and long = true. The slice is valid until the next call.
func (lr *lineReader) next() (line []byte, long bool, err error) {
	if lr.eof {
		return nil, false, io.EOF
	}
	lr.buf = lr.buf[:0]
	limit := lr.max + 2 // room for "\r\n" on a line of exactly max bytes
	read := false
	for {
		chunk, err := lr.br.ReadSlice('\n')
		if len(chunk) > 0 {
			read = true
			room := limit - len(lr.buf)
			if len(chunk) > room {
				chunk, long = chunk[:max(room, 0)], true
			}
			lr.buf = append(lr.buf, chunk...)
		}
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			lr.eof = true
			if !read {
				return nil, false, io.EOF
			}
			break
		}
		return nil, false, err
	}
	lr.n++
	line = lr.buf
	if !long {
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
	}
	if lr.n == 1 {
		line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
	}
	if len(line) > lr.max {
		return line[:lr.max], true, nil
	}
	return line, long, nil
}

// lineHandler turns one line of a text format into items. It appends to out
// and returns it; no items and no error means the line held nothing (a
// comment, a header, a skipped rule). An error is either a *RecordError or
// fatal (the input is not the format).
type lineHandler interface {
	format() Format
	line(ln int, s string, out []Item) ([]Item, error)
}

// textParser drives a lineHandler over a bounded lineReader.
type textParser struct {
	lr      lineReader
	h       lineHandler
	pending []Item
	pos     int
	err     error // sticky: io.EOF or fatal
}

func newTextParser(br *bufio.Reader, opts Options, h lineHandler) *textParser {
	return &textParser{lr: lineReader{br: br, max: opts.MaxLineBytes}, h: h}
}

// Next implements Parser.
func (p *textParser) Next() (Item, error) {
	for {
		if p.pos < len(p.pending) {
			it := p.pending[p.pos]
			p.pos++
			return it, nil
		}
		if p.err != nil {
			return Item{}, p.err
		}
		line, long, err := p.lr.next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				err = fmt.Errorf("feeds: read %s feed after line %d: %w", p.h.format(), p.lr.n, err)
			}
			p.err = err
			return Item{}, err
		}
		ln := p.lr.n
		if long {
			return Item{}, &RecordError{Line: ln, Reason: fmt.Sprintf("line longer than %d bytes", p.lr.max), Raw: clip(string(line))}
		}
		if !utf8.Valid(line) {
			return Item{}, &RecordError{Line: ln, Reason: "line is not valid UTF-8", Raw: clip(strings.ToValidUTF8(string(line), "\uFFFD"))}
		}
		p.pending, p.pos = p.pending[:0], 0
		p.pending, err = p.h.line(ln, string(line), p.pending)
		if err != nil {
			p.pending = p.pending[:0]
			var re *RecordError
			if errors.As(err, &re) {
				return Item{}, err
			}
			p.err = err
			return Item{}, err
		}
	}
}

// firstRecord makes a handler fail fast: a structural problem on the first
// data record means the input is not this format at all (fatal); after one
// good record it is one bad record.
type firstRecord struct{ started bool }

func (f *firstRecord) bad(format Format, ln int, raw, expected, reason string) error {
	if !f.started {
		return formatErr(format, ln, "expected %s, got %s", expected, quote(raw))
	}
	return &RecordError{Line: ln, Reason: reason, Raw: clip(raw)}
}

// stripComment removes an inline " # comment" (a '#' after a space or tab),
// leaving URL fragments ("…/#/login") alone.
func stripComment(s string) string {
	for i := 1; i < len(s); i++ {
		if s[i] == '#' && (s[i-1] == ' ' || s[i-1] == '\t') {
			return s[:i-1]
		}
	}
	return s
}

// plainLines: one value per line; "#" and "!" start comment lines, " # …"
// ends a line early; the kind is the one forced by Options.Kind, if any.
// Nothing but over-long or non-UTF-8 lines is rejected here: whether a value
// is a valid phone or domain is the normalizer's call.
type plainLines struct{ kind indicators.Kind }

func (*plainLines) format() Format { return FormatPlain }

func (p *plainLines) line(ln int, s string, out []Item) ([]Item, error) {
	v := strings.TrimSpace(s)
	if v == "" || v[0] == '#' || v[0] == '!' {
		return out, nil
	}
	v = strings.TrimSpace(stripComment(v))
	return append(out, Item{Line: ln, Kind: p.kind, Value: v, Raw: clip(s)}), nil
}

// openPhishLines: one URL per line (OpenPhish's feed.txt, or any URL list).
type openPhishLines struct{ first firstRecord }

func (*openPhishLines) format() Format { return FormatOpenPhish }

func (p *openPhishLines) line(ln int, s string, out []Item) ([]Item, error) {
	v := strings.TrimSpace(s)
	if v == "" || v[0] == '#' {
		return out, nil
	}
	if !hasScheme(v) {
		return out, p.first.bad(FormatOpenPhish, ln, s, "a URL with a scheme (http://…)", "not a URL (no scheme)")
	}
	p.first.started = true
	return append(out, Item{Line: ln, Kind: indicators.KindURL, Value: v, Category: indicators.CategoryPhishing, Raw: clip(s)}), nil
}

// hasScheme reports whether s starts with "<scheme>://".
func hasScheme(s string) bool {
	i := strings.Index(s, "://")
	if i <= 0 {
		return false
	}
	for j := 0; j < i; j++ {
		c := s[j]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case j > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// hostsLines: "<address> host [host…]" lines of a hosts file used as a
// blocklist. Only sink addresses (0.0.0.0, 127.0.0.0/8, ::, ::1) are
// accepted: a hosts line pointing a name at a real address pins the name, it
// does not report it. The machine's own names (localhost, broadcasthost, …)
// are skipped.
type hostsLines struct{ first firstRecord }

func (*hostsLines) format() Format { return FormatHosts }

// localHostNames are the names every hosts file maps to itself.
var localHostNames = map[string]bool{
	"localhost": true, "localhost.localdomain": true, "local": true, "broadcasthost": true,
	"ip6-localhost": true, "ip6-loopback": true, "ip6-localnet": true, "ip6-mcastprefix": true,
	"ip6-allnodes": true, "ip6-allrouters": true, "ip6-allhosts": true, "0.0.0.0": true,
}

func (h *hostsLines) line(ln int, s string, out []Item) ([]Item, error) {
	v := strings.TrimSpace(s)
	if i := strings.IndexByte(v, '#'); i >= 0 {
		v = v[:i]
	}
	fields := strings.Fields(v)
	if len(fields) == 0 {
		return out, nil
	}
	addr, err := netip.ParseAddr(fields[0])
	if err != nil {
		return out, h.first.bad(FormatHosts, ln, s, `a hosts entry "<address> <host>"`, "does not start with an address")
	}
	if len(fields) == 1 {
		return out, h.first.bad(FormatHosts, ln, s, `a hosts entry "<address> <host>"`, "address without a host")
	}
	h.first.started = true
	start := len(out)
	for _, host := range fields[1:] {
		if localHostNames[strings.ToLower(host)] {
			continue
		}
		if _, err := netip.ParseAddr(host); err == nil {
			continue
		}
		out = append(out, Item{Line: ln, Kind: indicators.KindDomain, Value: host, Raw: clip(s)})
	}
	if len(out) > start && !addr.IsUnspecified() && !addr.IsLoopback() {
		return out[:start], &RecordError{Line: ln, Reason: fmt.Sprintf("address %s is not a blocking address (0.0.0.0, 127.0.0.1, ::1)", addr), Raw: clip(s)}
	}
	return out, nil
}

// adblockLines: Adblock Plus / uBlock filter lists. Only network rules that
// name a host are imported: "||host^" (with optional "$options") is a domain,
// "||host/path^" a URL. Comments ("!", "[Adblock Plus 2.0]"), exception rules
// ("@@"), cosmetic rules ("##", "#@#", "#?#", "#$#") and other network rules
// ("/ads/*", "|http://…", "-banner.") are skipped silently: they are valid
// filters, just not indicators. A "||" rule we cannot read as a host (a "*"
// wildcard, an empty host) is a RecordError.
type adblockLines struct{ first firstRecord }

func (*adblockLines) format() Format { return FormatAdblock }

func (a *adblockLines) line(ln int, s string, out []Item) ([]Item, error) {
	v := strings.TrimSpace(s)
	switch {
	case v == "", v[0] == '!', v[0] == '[', v[0] == '#' && !strings.HasPrefix(v, "##"):
		return out, nil
	case strings.HasPrefix(v, "@@"), isCosmetic(v):
		a.first.started = true
		return out, nil
	case !strings.HasPrefix(v, "||"):
		if !a.first.started && !strings.ContainsAny(v, "|^$*/") {
			return out, a.first.bad(FormatAdblock, ln, s, "Adblock filter rules such as ||example.com^", "")
		}
		a.first.started = true
		return out, nil
	}
	a.first.started = true
	pattern, options, _ := strings.Cut(v[2:], "$")
	if hasOption(options, "badfilter") {
		return out, nil
	}
	pattern = strings.TrimSuffix(pattern, "|")
	pattern = strings.TrimSuffix(pattern, "^")
	switch {
	case pattern == "":
		return out, &RecordError{Line: ln, Reason: "rule names no host", Raw: clip(s)}
	case strings.ContainsAny(pattern, "*^|"):
		return out, &RecordError{Line: ln, Reason: "wildcard or separator inside the rule is not supported", Raw: clip(s)}
	}
	kind := indicators.KindDomain
	if strings.ContainsAny(pattern, "/?") {
		kind = indicators.KindURL
	}
	return append(out, Item{Line: ln, Kind: kind, Value: pattern, Raw: clip(s)}), nil
}

// isCosmetic reports an element-hiding or scriptlet rule.
func isCosmetic(v string) bool {
	for _, sep := range []string{"##", "#@#", "#?#", "#$#", "#%#"} {
		if strings.Contains(v, sep) {
			return true
		}
	}
	return false
}

func hasOption(options, name string) bool {
	for o := range strings.SplitSeq(options, ",") {
		if strings.EqualFold(strings.TrimSpace(o), name) {
			return true
		}
	}
	return false
}
