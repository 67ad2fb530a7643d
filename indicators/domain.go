package indicators

import (
	"net"
	"net/url"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Domain canonical form, by example:
//
//	"  WWW.Ngân-Hàng.VN.  "  →  "xn--ngn-hng-dwao.vn"   (key "domain:xn--ngn-hng-dwao.vn")
//	"https://Evil.example.com:8443/login?x"  →  "evil.example.com"
//
// Rules, in order: trim; a pasted URL (anything with "://" or a path) gives
// its host; user info and port are dropped; IDN labels become punycode (UTS
// #46 mapping, so full-width dots and capitals fold too); one trailing dot is
// removed (it names the same host); a single leading "www." label is removed
// when what remains is still below a public suffix, because citizens and
// feeds write "www.x.vn" and "x.vn" for the same site — a listing of either
// catches both. IPv4 literals are accepted in dotted-decimal form. The result
// must have a suffix on the public suffix list and valid labels.

// domainProfile is UTS #46 lookup mapping without the STD3 ASCII rules:
// phishing hosts do use underscores in subdomains, and browsers open them.
var domainProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.Transitional(false),
	idna.StrictDomainName(false),
)

const (
	maxDomainLen = 253
	maxLabelLen  = 63
)

// NormalizeDomain turns a host name, IDN or pasted URL into its domain key.
func NormalizeDomain(s string) (Key, error) {
	host, err := CanonicalHost(s)
	if err != nil {
		return "", err
	}
	return NewKey(KindDomain, host), nil
}

// CanonicalHost returns the canonical host of a domain or pasted URL (see the
// rules above) without the "domain:" prefix.
func CanonicalHost(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", inputErr(CodeEmpty, "empty domain")
	}
	if len(s) > MaxInputLen {
		return "", inputErr(CodeTooLong, "domain longer than %d bytes", MaxInputLen)
	}
	host := s
	if strings.Contains(s, "://") || strings.ContainsAny(s, "/?#@") {
		host = hostOfURL(s)
	}
	host = strings.TrimSpace(host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimPrefix(strings.TrimSuffix(host, "]"), "[")
	if ip, ok, err := ipHost(host); ok {
		return ip, err
	}
	ascii, err := domainProfile.ToASCII(host)
	if err != nil {
		return "", &InputError{Code: CodeInvalidDomain, Message: "not a valid domain name", Err: err}
	}
	ascii = strings.TrimSuffix(strings.ToLower(ascii), ".")
	// A few Unicode labels encode to punycode that the same profile refuses
	// to decode again (found by fuzzing); such a key could never be
	// re-validated, so the input is refused instead.
	if strings.Contains(ascii, "xn--") {
		if again, err := domainProfile.ToASCII(ascii); err != nil || again != ascii {
			return "", inputErr(CodeInvalidDomain, "not a valid internationalized domain name")
		}
	}
	if err := checkLabels(ascii); err != nil {
		return "", err
	}
	if rest, ok := strings.CutPrefix(ascii, "www."); ok {
		if _, err := publicsuffix.EffectiveTLDPlusOne(rest); err == nil {
			ascii = rest
		}
	}
	if _, err := RegistrableDomain(ascii); err != nil {
		return "", err
	}
	return ascii, nil
}

// hostOfURL extracts the host of something pasted as a link, adding the
// scheme people leave out.
func hostOfURL(s string) string {
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		// Fall back to the text between "://" and the first path char so a
		// malformed query does not hide an obviously named host.
		_, after, _ := strings.Cut(s, "://")
		if i := strings.IndexAny(after, "/?#"); i >= 0 {
			after = after[:i]
		}
		if i := strings.LastIndexByte(after, '@'); i >= 0 {
			after = after[i+1:]
		}
		return after
	}
	return u.Host
}

// ipHost recognises an IP literal: IPv4 in dotted-decimal canonical form, or
// IPv6, which is refused as a domain. The digit/colon pre-check keeps the
// common case (a name) off the slower address parser.
func ipHost(host string) (canonical string, ok bool, err error) {
	if host == "" || !(host[0] >= '0' && host[0] <= '9' || strings.IndexByte(host, ':') >= 0) {
		return "", false, nil
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return "", false, nil
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.String(), true, nil
	}
	return "", true, inputErr(CodeInvalidDomain, "IPv6 addresses are checked as links, not domains")
}

func checkLabels(host string) error {
	if host == "" || len(host) > maxDomainLen {
		return inputErr(CodeInvalidDomain, "domain must be 1 to %d characters", maxDomainLen)
	}
	labels := 0
	for label := range strings.SplitSeq(host, ".") {
		labels++
		if label == "" || len(label) > maxLabelLen {
			return inputErr(CodeInvalidDomain, "domain labels must be 1 to %d characters", maxLabelLen)
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return inputErr(CodeInvalidDomain, "a domain label cannot start or end with '-'")
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return inputErr(CodeInvalidDomain, "domain contains %q", c)
			}
		}
	}
	if labels < 2 {
		return inputErr(CodeInvalidDomain, "a domain needs at least two labels, like example.vn")
	}
	return nil
}

// RegistrableDomain returns the part of a canonical host that someone
// registered (eTLD+1, e.g. "evil.com.vn" for "login.evil.com.vn"), using the
// public suffix list. IPv4 addresses are their own registrable domain. A host
// that is itself a public suffix, or whose top-level domain is unknown, is an
// error.
func RegistrableDomain(host string) (string, error) {
	if net.ParseIP(host) != nil {
		return host, nil
	}
	suffix, icann := publicsuffix.PublicSuffix(host)
	if !icann && !strings.Contains(suffix, ".") {
		return "", inputErr(CodeInvalidDomain, "unknown top-level domain %q", suffix)
	}
	reg, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return "", &InputError{Code: CodeInvalidDomain, Message: "domain is a public suffix, not a site", Err: err}
	}
	return reg, nil
}

// maxDomainLookups bounds how many parent domains a check tests, as Safe
// Browsing bounds host suffixes.
const maxDomainLookups = 5

// DomainLookupKeys returns the domain keys a check of host tests: the host
// itself and each parent domain down to the registrable domain, at most
// maxDomainLookups, most specific first. Listing "evil.vn" therefore catches
// "login.evil.vn", but listing a shared-hosting suffix's customer never
// catches its neighbours.
func DomainLookupKeys(host string) []Key {
	keys := []Key{NewKey(KindDomain, host)}
	reg, err := RegistrableDomain(host)
	if err != nil || reg == host {
		return keys
	}
	for h := host; len(keys) < maxDomainLookups; {
		_, rest, ok := strings.Cut(h, ".")
		if !ok || len(rest) < len(reg) {
			break
		}
		keys = append(keys, NewKey(KindDomain, rest))
		if rest == reg {
			break
		}
		h = rest
	}
	// A deep host runs out of slots first; the registrable domain is the one
	// parent that must always be tested.
	if keys[len(keys)-1] != NewKey(KindDomain, reg) {
		keys[len(keys)-1] = NewKey(KindDomain, reg)
	}
	return keys
}
