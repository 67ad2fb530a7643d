package indicators_test

import (
	"strings"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
)

// FuzzNormalizeURL checks the properties every canonical URL must have,
// whatever the input: no panic; the key's value, the canonical URL and the
// expressions agree and are fixed points; the key matches its grammar.
func FuzzNormalizeURL(f *testing.F) {
	for _, v := range readVectorFile(f, "url.json") {
		f.Add(v.Input)
	}
	f.Add("http://\x01\x80.com/")
	f.Add("http://%4ü1.com/")

	f.Fuzz(func(t *testing.T, s string) {
		key, err := indicators.NormalizeURL(s)
		if err != nil {
			if code := indicators.ErrorCode(err); code != indicators.CodeInvalidURL &&
				code != indicators.CodeEmpty && code != indicators.CodeTooLong {
				t.Fatalf("NormalizeURL(%q) error code %q (%v)", s, code, err)
			}
			if _, cerr := indicators.CanonicalURL(s); indicators.ErrorCode(cerr) != indicators.ErrorCode(err) {
				t.Fatalf("CanonicalURL(%q) error %v, NormalizeURL error %v", s, cerr, err)
			}
			return
		}
		v := key.Value()
		checkKeyGrammar(t, s, key)

		if again, err := indicators.NormalizeURL(v); err != nil || again != key {
			t.Fatalf("NormalizeURL(%q) = %q, %v; want the fixed point %q (input %q)", v, again, err, key, s)
		}
		c, err := indicators.CanonicalURL(s)
		if err != nil {
			t.Fatalf("CanonicalURL(%q): %v, but NormalizeURL gave %q", s, err, key)
		}
		rest, ok := strings.CutPrefix(c, "http://")
		if !ok {
			rest, ok = strings.CutPrefix(c, "https://")
		}
		if !ok || rest != v {
			t.Fatalf("CanonicalURL(%q) = %q, which is not a scheme and key value %q", s, c, v)
		}
		if again, err := indicators.CanonicalURL(c); err != nil || again != c {
			t.Fatalf("CanonicalURL(%q) = %q, %v; want the fixed point (input %q)", c, again, err, s)
		}
		if h := indicators.URLHost(c); h == "" || !strings.HasPrefix(v, h+"/") {
			t.Fatalf("URLHost(%q) = %q, not the host of %q", c, h, v)
		}

		exprs, err := indicators.URLExpressions(s)
		if err != nil || len(exprs) < 1 || len(exprs) > indicators.MaxURLExpressions {
			t.Fatalf("URLExpressions(%q) = %d expressions, %v; want 1 to 30", s, len(exprs), err)
		}
		if exprs[0] != v {
			t.Fatalf("URLExpressions(%q)[0] = %q, want the key value %q", s, exprs[0], v)
		}
		seen := make(map[string]bool, len(exprs))
		for _, e := range exprs {
			if seen[e] {
				t.Fatalf("URLExpressions(%q) repeats %q", s, e)
			}
			seen[e] = true
			// Lookups use expressions as keys, so those on the URL's own host
			// must be canonical. A suffix of a host may not be: "3.4.5" of
			// host "1.2.3.4.5" reads as the address 3.4.0.5.
			k, err := indicators.NormalizeURL(e)
			if err != nil || indicators.URLHost(e) == indicators.URLHost(v) && k.Value() != e {
				t.Fatalf("expression %q of %q normalizes to %q, %v", e, s, k, err)
			}
		}
	})
}

// checkKeyGrammar checks "url:" host "/" path ["?" query], with a non-empty
// host and every byte that the spec escapes written as %XX in upper case.
func checkKeyGrammar(t *testing.T, input string, key indicators.Key) {
	t.Helper()
	s := string(key)
	v, ok := strings.CutPrefix(s, "url:")
	if !ok || key.Kind() != indicators.KindURL || key.Value() != v {
		t.Fatalf("NormalizeURL(%q) = %q: no url: prefix", input, key)
	}
	slash := strings.IndexByte(v, '/')
	if slash <= 0 || strings.ContainsAny(v[:slash], "?:@\\") && !strings.HasPrefix(v, "[") {
		t.Fatalf("NormalizeURL(%q) = %q: want a non-empty host, then '/'", input, key)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c <= 0x20 || c >= 0x7f || c == '#':
			t.Fatalf("NormalizeURL(%q) = %q: unescaped byte %#x", input, key, c)
		case c == '%':
			if i+2 >= len(v) || !isUpperHex(v[i+1]) || !isUpperHex(v[i+2]) {
				t.Fatalf("NormalizeURL(%q) = %q: '%%' at %d is no upper-case escape", input, key, i)
			}
		}
	}
	path, _, _ := strings.Cut(v[slash:], "?")
	if strings.Contains(path, "//") || strings.Contains(path+"/", "/./") || strings.Contains(path+"/", "/../") {
		t.Fatalf("NormalizeURL(%q) = %q: path %q is not clean", input, key, path)
	}
}

func isUpperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }

// FuzzURLUnescape compares the one-pass unescaping of a path with the
// spec's definition: unescape the whole string, again and again, until it no
// longer changes.
func FuzzURLUnescape(f *testing.F) {
	for _, s := range []string{"%25%32%35", "%2525252525252525", "%%%25%32%35asd%%", "%%34%31", "%2%35", "%4%41", "%25%34%31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if len(p) > 200 || strings.ContainsAny(p, "#\t\r\n") {
			return
		}
		u := repeatUnescape(p)
		// Characters that the path or query rules would change again.
		if strings.ContainsAny(u, "/?\\") {
			return
		}
		// 'x' and 'z' are no hex digits: they cannot join an escape of p.
		in := "http://h/x" + p + "z"
		want := "http://h/x" + refEscape(u) + "z"
		got, err := indicators.CanonicalURL(in)
		if err != nil || got != want {
			t.Fatalf("CanonicalURL(%q) = %q, %v, want %q", in, got, err, want)
		}
	})
}

func repeatUnescape(s string) string {
	for {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] == '%' && i+2 < len(s) && isAnyHex(s[i+1]) && isAnyHex(s[i+2]) {
				b.WriteByte(hexVal(s[i+1])<<4 | hexVal(s[i+2]))
				i += 2
				continue
			}
			b.WriteByte(s[i])
		}
		if b.String() == s {
			return s
		}
		s = b.String()
	}
}

func isAnyHex(c byte) bool { return isUpperHex(c) || 'a' <= c && c <= 'f' }

func hexVal(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

func refEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c >= 0x7f || c == '#' || c == '%' {
			b.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
