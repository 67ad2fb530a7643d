package indicators

// URL canonicalization follows Google Safe Browsing, "URLs and Hashing":
//
//	https://developers.google.com/safe-browsing/v4/urls-hashing
//
// The whole transformation on one example:
//
//	input           " HTTPS://user@WWW.Ngân-Hàng.VN.:443/a/./b/../%2563h%2525x%20y//z?q=%41 B#frag\n"
//	trim, drop TAB/CR/LF and the fragment
//	                "HTTPS://user@WWW.Ngân-Hàng.VN.:443/a/./b/../%2563h%2525x%20y//z?q=%41 B"
//	unescape until nothing changes ("%2563" → "%63" → "c", "%2525" → "%25" → "%")
//	                "HTTPS://user@WWW.Ngân-Hàng.VN.:443/a/./b/../ch%x y//z?q=A B"
//	scheme "https"; user info and port dropped; host "WWW.Ngân-Hàng.VN."
//	host: trim and collapse dots, Unicode to punycode, lower case, IPv4 forms to dotted decimal
//	                "www.xn--ngn-hng-dwao.vn"
//	path: resolve "." and "..", collapse "//"     "/a/ch%x y/z"
//	query: kept as it is                          "q=A B"
//	escape bytes <= 0x20, >= 0x7f, '#' and '%' in upper-case hex
//	CanonicalURL    "https://www.xn--ngn-hng-dwao.vn/a/ch%25x%20y/z?q=A%20B"
//	NormalizeURL    "url:www.xn--ngn-hng-dwao.vn/a/ch%25x%20y/z?q=A%20B"
//	URLExpressions  "www.xn--ngn-hng-dwao.vn/a/ch%25x%20y/z?q=A%20B", "www.xn--ngn-hng-dwao.vn/a/ch%25x%20y/z",
//	                "www.xn--ngn-hng-dwao.vn/", "www.xn--ngn-hng-dwao.vn/a/", "www.xn--ngn-hng-dwao.vn/a/ch%25x%20y/",
//	                then the same five paths on "xn--ngn-hng-dwao.vn" (10 in all)
//
// As the spec says and unlike google/safebrowsing's urls.go, the query is
// kept, even an empty one ("/q?" stays "/q?"), and escapes use upper-case hex.
//
// The key drops the scheme: it is the Safe Browsing expression form
// "host/path?query", so a listed URL matches over http and https alike and a
// lookup tests its expressions directly as keys. NormalizeURL of a key's
// value gives the key back.
//
// Where this file departs from the spec, and why:
//
//   - A Unicode host (typed, or percent-encoded UTF-8) becomes punycode with a
//     lenient UTS #46 lookup mapping, so "http://ngân-hàng.vn/" and
//     "http://xn--ngn-hng-dwao.vn/" give one key. The spec works on bytes and
//     leaves that to the client; a host that is not a valid IDN keeps its bytes
//     (escaped), as the spec would.
//   - Only http and https are accepted (no scheme means http): other schemes
//     are not links a citizen can be scammed through here. Like browsers, a
//     scheme-relative "//host/x" and "http:host" are accepted; "http:///x"
//     has no host and is rejected.
//   - User info and port are dropped, and a backslash ends the host as it does
//     in browsers, so "http://evil.example\@bank.example/" is evil.example.
//   - A host with ':' or brackets outside an IPv6 literal is rejected, and so
//     is a canonical URL longer than MaxInputLen, so that every key can be
//     normalized again.
//   - "/a/b/.." gives "/a/" (RFC 3986 dot-segment removal).
//   - IPv6 literals are only validated and lower-cased (the newer v5
//     reference also compresses them; v4 and google/safebrowsing do not).
//   - A host that looks numeric but is no valid IPv4 address ("999.1.1.1")
//     stays a host name, as Safe Browsing treats it.

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

const (
	// maxHostComponents bounds the host suffixes tried: the exact host plus
	// the suffixes of its last five labels (at most four, the TLD alone is
	// never tried).
	maxHostComponents = 5
	// maxPathComponents bounds the path prefixes tried: "/" and up to three
	// directories below it. The exact path, with and without the query,
	// comes on top.
	maxPathComponents = 4
)

// MaxURLExpressions is the most expressions URLExpressions returns (five
// hosts by six paths), so that callers can size what they probe per URL.
const MaxURLExpressions = maxHostComponents * (maxPathComponents + 2)

// urlProfile maps Unicode hosts like a browser's address bar: lookup mapping
// (case, width, full-width dots) without the STD3 and hyphen rules, because
// phishing hosts use '_' and labels like "r3---sn-x" and browsers open them.
var urlProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.Transitional(false),
	idna.StrictDomainName(false),
	idna.CheckHyphens(false),
)

// urlParts is a canonical URL split in its parts, before escaping. host,
// path and query hold raw bytes; the escaping happens when they are written.
type urlParts struct {
	https    bool
	host     string // canonical host, never empty
	ip       bool   // host is an IPv4 or IPv6 address
	path     string // starts with '/'
	query    string // without the '?'
	hasQuery bool   // a '?' was present, even with an empty query
}

// CanonicalURL returns the Safe Browsing canonical form of s, with its
// scheme: "HTTPS://Evil.Example/login#x" gives "https://evil.example/login".
// A missing scheme means http. Errors are *InputError with CodeEmpty,
// CodeTooLong or CodeInvalidURL.
func CanonicalURL(s string) (string, error) {
	p, n, err := parseURL(s)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	scheme := "http://"
	if p.https {
		scheme = "https://"
	}
	b.Grow(len(scheme) + n)
	b.WriteString(scheme)
	p.writeTo(&b)
	return b.String(), nil
}

// NormalizeURL returns the key of the URL s: "url:" and the canonical URL
// without its scheme, e.g. "url:evil.example/login". Since the value has no
// scheme, NormalizeURL(key.Value()) returns the key itself. Errors are as for
// CanonicalURL.
func NormalizeURL(s string) (Key, error) {
	p, n, err := parseURL(s)
	if err != nil {
		return "", err
	}
	const prefix = string(KindURL) + ":"
	var b strings.Builder
	b.Grow(len(prefix) + n)
	b.WriteString(prefix)
	p.writeTo(&b)
	return Key(b.String()), nil
}

// URLExpressions canonicalizes s and returns the host-suffix × path-prefix
// expressions that Safe Browsing looks up for it, in the spec's order and
// without scheme ("a.b.c/1/2.html?param=1", "a.b.c/1/2.html", "a.b.c/",
// "a.b.c/1/", "b.c/1/2.html?param=1", …). The first one is always the value
// of NormalizeURL(s). Hosts are the exact host and up to four suffixes
// formed from its last five labels, never the top-level label alone, and
// none for an IP address; paths are the exact path with and without the
// query and up to four directory prefixes from "/". There are 1 to
// MaxURLExpressions (30).
func URLExpressions(s string) ([]string, error) {
	p, n, err := parseURL(s)
	if err != nil {
		return nil, err
	}
	// The escaped key value, sliced into host, path and path?query.
	var vb strings.Builder
	vb.Grow(n)
	p.writeTo(&vb)
	v := vb.String()
	hl, pl := escapedLen(p.host), escapedLen(p.path)
	host, path, full := v[:hl], v[hl:hl+pl], v[hl:]

	var hosts [maxHostComponents]string
	nh := 0
	hosts[nh] = host
	nh++
	if labels := strings.Count(host, ".") + 1; !p.ip && labels > 2 {
		first := max(1, labels-maxHostComponents)
		// Walk the dots to the longest suffix, then take each shorter one;
		// the last label alone (the TLD) is skipped.
		i := 0
		for range first {
			i += strings.IndexByte(host[i:], '.') + 1
		}
		for l := first; l <= labels-2; l++ {
			hosts[nh] = host[i:]
			nh++
			i += strings.IndexByte(host[i:], '.') + 1
		}
	}

	var paths [maxPathComponents + 2]string
	np := 0
	if p.hasQuery {
		paths[np] = full
		np++
	}
	paths[np] = path
	np++
	// Directory prefixes end at each '/' of the escaped path, which never
	// holds an escaped '/'; the file name after the last '/' is no directory.
	for i, dirs := 0, 0; i < len(path) && dirs < maxPathComponents; i++ {
		if path[i] != '/' {
			continue
		}
		dirs++
		if prefix := path[:i+1]; prefix != path {
			paths[np] = prefix
			np++
		}
	}

	// One backing string holds every expression, so the whole list costs
	// three allocations however long it is.
	size := 0
	for _, h := range hosts[:nh] {
		for _, q := range paths[:np] {
			size += len(h) + len(q)
		}
	}
	var b strings.Builder
	b.Grow(size)
	for _, h := range hosts[:nh] {
		for _, q := range paths[:np] {
			b.WriteString(h)
			b.WriteString(q)
		}
	}
	all := b.String()
	out := make([]string, 0, nh*np)
	off := 0
	for _, h := range hosts[:nh] {
		for _, q := range paths[:np] {
			n := len(h) + len(q)
			out = append(out, all[off:off+n])
			off += n
		}
	}
	return out, nil
}

// URLHost returns the host of a canonical URL, key value or expression
// ("https://evil.example/x", "evil.example/x" → "evil.example"), escaped as
// in the canonical form, so that callers (the domain check, the allowlist)
// need not parse URLs again. It does no canonicalization: give it the output
// of CanonicalURL, NormalizeURL(…).Value() or URLExpressions.
func URLHost(canonical string) string {
	s := canonical
	if rest, ok := strings.CutPrefix(s, "https://"); ok {
		s = rest
	} else if rest, ok := strings.CutPrefix(s, "http://"); ok {
		s = rest
	}
	if i := strings.IndexAny(s, "/?"); i >= 0 {
		s = s[:i]
	}
	return s
}

// parseURL canonicalizes s into its parts and returns the length of their
// escaped form without the scheme.
func parseURL(s string) (urlParts, int, error) {
	var p urlParts
	if len(s) > MaxInputLen {
		return p, 0, inputErr(CodeTooLong, "URL longer than %d bytes", MaxInputLen)
	}
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "\t\r\n") {
		s = dropTabCRLF(s)
	}
	if s == "" {
		return p, 0, inputErr(CodeEmpty, "empty URL")
	}
	// The fragment goes before unescaping: an escaped '#' is data.
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	u := unescapeAll(s)

	scheme, rest := splitScheme(u)
	switch {
	case scheme == "":
		// "//host/…" is a link relative to the scheme; take it as http.
		rest = strings.TrimPrefix(rest, "//")
	case strings.EqualFold(scheme, "http"):
		rest = trimTwoSlashes(rest)
	case strings.EqualFold(scheme, "https"):
		p.https = true
		rest = trimTwoSlashes(rest)
	default:
		return p, 0, inputErr(CodeInvalidURL, "scheme %q is not http or https", truncate(scheme, 20))
	}

	end := strings.IndexAny(rest, "/\\?")
	if end < 0 {
		end = len(rest)
	}
	authority, rest := rest[:end], rest[end:]
	pathPart, query, hasQuery := strings.Cut(rest, "?")
	host, ip, err := canonicalURLHost(authority)
	if err != nil {
		return p, 0, err
	}
	p.host, p.ip = host, ip
	p.path = cleanPath(pathPart)
	p.query, p.hasQuery = query, hasQuery

	n := escapedLen(p.host) + escapedLen(p.path)
	if hasQuery {
		n += 1 + escapedLen(p.query)
	}
	if n+len("http://")+boolInt(p.https) > MaxInputLen {
		return p, 0, inputErr(CodeTooLong, "canonical URL longer than %d bytes", MaxInputLen)
	}
	return p, n, nil
}

// writeTo writes the escaped parts without the scheme.
func (p *urlParts) writeTo(b *strings.Builder) {
	writeEscaped(b, p.host)
	writeEscaped(b, p.path)
	if p.hasQuery {
		b.WriteByte('?')
		writeEscaped(b, p.query)
	}
}

// dropTabCRLF removes TAB, CR and LF byte by byte: strings.Map would
// replace bytes that are not UTF-8, which the spec keeps.
func dropTabCRLF(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '\t' && c != '\r' && c != '\n' {
			b = append(b, c)
		}
	}
	return string(b)
}

func trimTwoSlashes(s string) string {
	if len(s) >= 2 && isSlash(s[0]) && isSlash(s[1]) {
		return s[2:]
	}
	return s
}

func isSlash(c byte) bool { return c == '/' || c == '\\' }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// splitScheme returns the scheme of u and what follows its ':'. "host:80/x"
// has no scheme: a ':' followed by a port is not a scheme's end, so that
// "www.example.com:8080/" is taken as a host.
func splitScheme(u string) (scheme, rest string) {
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.':
			if i == 0 {
				return "", u
			}
		case c == ':':
			if i == 0 || isPortThenEnd(u[i+1:]) {
				return "", u
			}
			return u[:i], u[i+1:]
		default:
			return "", u
		}
	}
	return "", u
}

// isPortThenEnd reports whether s starts with digits that end the authority.
func isPortThenEnd(s string) bool {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i > 0 && (i == len(s) || s[i] == '/' || s[i] == '\\' || s[i] == '?')
}

// unescapeAll percent-decodes s until no escape is left, in one pass: each
// decoded byte may complete a new escape with the bytes before it, which is
// decoded at once. Escapes never overlap ('%' is no hex digit), so this
// reaches the same result as the spec's repeated passes.
func unescapeAll(s string) string {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	changed := false
	for j := i; j < len(s); j++ {
		b = append(b, s[j])
		for n := len(b); n >= 3 && b[n-3] == '%' && isHexDigit(b[n-2]) && isHexDigit(b[n-1]); n = len(b) {
			c := unhexDigit(b[n-2])<<4 | unhexDigit(b[n-1])
			b = append(b[:n-3], c)
			changed = true
		}
	}
	if !changed {
		return s
	}
	return string(b)
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhexDigit(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// mustEscape reports whether the spec escapes c in a canonical URL.
func mustEscape(c byte) bool { return c <= 0x20 || c >= 0x7f || c == '#' || c == '%' }

func escapedLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if mustEscape(s[i]) {
			n += 2
		}
	}
	return n
}

const upperHex = "0123456789ABCDEF"

func writeEscaped(b *strings.Builder, s string) {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !mustEscape(c) {
			continue
		}
		b.WriteString(s[start:i])
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&0xf])
		start = i + 1
	}
	b.WriteString(s[start:])
}

// canonicalURLHost turns an unescaped authority ("user@Host.:80") into the
// canonical host and reports whether it is an IP address.
func canonicalURLHost(authority string) (host string, ip bool, err error) {
	h := authority
	if i := strings.LastIndexByte(h, '@'); i >= 0 {
		h = h[i+1:]
	}
	if strings.HasPrefix(h, "[") {
		h, err = canonicalIPv6(h)
		return h, err == nil, err
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 && allDigits(h[i+1:]) {
		h = h[:i]
	}
	if strings.ContainsAny(h, ":[]") {
		return "", false, inputErr(CodeInvalidURL, "host %q has invalid characters", truncate(h, 80))
	}
	h = cleanDots(h)
	if hasNonASCII(h) {
		h = toPunycode(h)
	}
	h = lowerASCII(h)
	if h == "" {
		return "", false, inputErr(CodeInvalidURL, "URL has no host")
	}
	if a, ok := parseIPv4(h); ok {
		return a, true, nil
	}
	return h, false, nil
}

// canonicalIPv6 checks a bracketed literal with an optional port and returns
// it lower-cased, port dropped.
func canonicalIPv6(h string) (string, error) {
	j := strings.IndexByte(h, ']')
	if j < 0 {
		return "", inputErr(CodeInvalidURL, "host %q misses ']'", truncate(h, 80))
	}
	if after := h[j+1:]; after != "" && (after[0] != ':' || !allDigits(after[1:])) {
		return "", inputErr(CodeInvalidURL, "host %q has invalid characters", truncate(h, 80))
	}
	lit := h[1:j]
	if a, err := netip.ParseAddr(lit); err != nil || !a.Is6() || a.Zone() != "" {
		return "", inputErr(CodeInvalidURL, "host %q is no IPv6 address", truncate(h, 80))
	}
	return "[" + lowerASCII(lit) + "]", nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// cleanDots removes leading and trailing dots and collapses runs of dots.
func cleanDots(h string) string {
	if !strings.HasPrefix(h, ".") && !strings.HasSuffix(h, ".") && !strings.Contains(h, "..") {
		return h
	}
	b := make([]byte, 0, len(h))
	for i := 0; i < len(h); i++ {
		if h[i] == '.' && (len(b) == 0 || b[len(b)-1] == '.') {
			continue
		}
		b = append(b, h[i])
	}
	if len(b) > 0 && b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	return string(b)
}

// lowerASCII lower-cases A-Z only: the host may hold bytes that are not
// UTF-8, which strings.ToLower would replace.
func lowerASCII(s string) string {
	i := 0
	for i < len(s) && (s[i] < 'A' || s[i] > 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if 'A' <= b[i] && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
	}
	return string(b)
}

// hostNameByte reports whether c may stand in a host name given to, or
// returned by, the IDNA mapping. Other ASCII bytes could end up inside a
// punycode label ("%4ü1" → "xn--%41-ioa") and form a new escape there.
func hostNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c >= utf8.RuneSelf
}

// toPunycode converts a Unicode host to its ASCII form, or returns it as it
// is (to be escaped byte by byte, as the spec does) when it is not a valid
// IDN.
func toPunycode(h string) string {
	if !utf8.ValidString(h) {
		return h
	}
	for i := 0; i < len(h); i++ {
		if !hostNameByte(h[i]) {
			return h
		}
	}
	a, err := urlProfile.ToASCII(h)
	if err != nil {
		return h
	}
	for i := 0; i < len(a); i++ {
		if !hostNameByte(a[i]) || a[i] >= utf8.RuneSelf {
			return h
		}
	}
	// Mapping can turn U+3002 and other full stops into dots.
	return cleanDots(a)
}

// parseIPv4 reads h as an IPv4 address in any form a browser's resolver
// takes: one to four parts, each decimal, octal (leading 0) or hex (0x),
// the last part filling the remaining bytes ("3279880203", "0x7f.1"). It
// returns the dotted-decimal form.
func parseIPv4(h string) (string, bool) {
	if h == "" || !isHexDigit(h[len(h)-1]) && h[len(h)-1] != 'x' {
		return "", false
	}
	var parts [4]uint64
	n := 0
	for rest := h; ; {
		part, tail, more := strings.Cut(rest, ".")
		if n == len(parts) {
			return "", false
		}
		v, ok := parseIPv4Part(part)
		if !ok {
			return "", false
		}
		parts[n] = v
		n++
		if !more {
			break
		}
		rest = tail
	}
	var ip uint64
	for i := range n - 1 {
		if parts[i] > 0xff {
			return "", false
		}
		ip |= parts[i] << (8 * (3 - i))
	}
	if parts[n-1] >= 1<<(8*(5-n)) {
		return "", false
	}
	ip |= parts[n-1]

	var buf [15]byte
	b := buf[:0]
	for i := 3; i >= 0; i-- {
		b = strconv.AppendUint(b, (ip>>(8*i))&0xff, 10)
		if i > 0 {
			b = append(b, '.')
		}
	}
	if string(b) == h {
		return h, true
	}
	return string(b), true
}

// parseIPv4Part reads one part of an IPv4 address; values above 2^32 fail.
func parseIPv4Part(s string) (uint64, bool) {
	base := uint64(10)
	switch {
	case s == "":
		return 0, false
	case len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		base, s = 16, s[2:]
		if s == "" {
			return 0, true // "0x" is 0 to browsers
		}
	case len(s) >= 2 && s[0] == '0':
		base, s = 8, s[1:]
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d uint64
		switch {
		case '0' <= c && c <= '9':
			d = uint64(c - '0')
		case base == 16 && isHexDigit(c):
			d = uint64(unhexDigit(c))
		default:
			return 0, false
		}
		if d >= base {
			return 0, false
		}
		v = v*base + d
		if v > 1<<32 {
			return 0, false
		}
	}
	return v, true
}

// cleanPath resolves "." and ".." segments and collapses runs of slashes. A
// path that ends in a directory ("/a/", "/a/.", "/a/b/..") keeps its trailing
// slash; an empty path is "/".
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] == '\\' {
		p = "/" + p[1:]
	}
	if !needsCleaning(p) {
		return p
	}
	b := make([]byte, 0, len(p))
	dir := false
	for rest := p[1:]; ; {
		seg, tail, more := strings.Cut(rest, "/")
		switch seg {
		case "", ".":
			dir = true
		case "..":
			dir = true
			if i := bytes.LastIndexByte(b, '/'); i >= 0 {
				b = b[:i]
			}
		default:
			dir = false
			b = append(b, '/')
			b = append(b, seg...)
		}
		if !more {
			break
		}
		rest = tail
	}
	if dir || len(b) == 0 {
		b = append(b, '/')
	}
	return string(b)
}

// needsCleaning reports whether p (starting with '/') has an empty, "." or
// ".." segment.
func needsCleaning(p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		seg := p[i+1:]
		if j := strings.IndexByte(seg, '/'); j >= 0 {
			seg = seg[:j]
		} else if seg == "" {
			return false // the trailing slash of a directory
		}
		if seg == "" || seg == "." || seg == ".." {
			return true
		}
	}
	return false
}
