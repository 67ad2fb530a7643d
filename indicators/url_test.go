package indicators_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
)

func TestURLVectors(t *testing.T) {
	for _, v := range readVectorFile(t, "url.json") {
		t.Run(v.Input, func(t *testing.T) {
			if v.Canonical == "" && v.Key == "" && v.Expressions == nil && v.Error == "" {
				t.Fatal("vector row checks nothing")
			}
			checkURLRow(t, v.Input, v.Canonical, v.Key, v.Expressions, v.Error)
		})
	}
}

// checkURLRow checks every API against one expected row; empty wants are
// not checked.
func checkURLRow(t *testing.T, input, canonical, key string, exprs []string, code string) {
	t.Helper()
	if code != "" {
		for name, f := range map[string]func(string) error{
			"CanonicalURL":   func(s string) error { _, err := indicators.CanonicalURL(s); return err },
			"NormalizeURL":   func(s string) error { _, err := indicators.NormalizeURL(s); return err },
			"URLExpressions": func(s string) error { _, err := indicators.URLExpressions(s); return err },
		} {
			err := f(input)
			if got := indicators.ErrorCode(err); got != code {
				t.Errorf("%s(%q) error code = %q (%v), want %q", name, input, got, err, code)
			}
			var ie *indicators.InputError
			if err != nil && (!errors.Is(err, indicators.ErrInvalidInput) || !errors.As(err, &ie)) {
				t.Errorf("%s(%q) error %v is not an *InputError matching ErrInvalidInput", name, input, err)
			}
		}
		return
	}
	if canonical != "" {
		got, err := indicators.CanonicalURL(input)
		if err != nil || got != canonical {
			t.Errorf("CanonicalURL(%q) = %q, %v, want %q", input, got, err, canonical)
		}
	}
	if key != "" {
		got, err := indicators.NormalizeURL(input)
		if err != nil || string(got) != key {
			t.Errorf("NormalizeURL(%q) = %q, %v, want %q", input, got, err, key)
		}
	}
	if exprs != nil {
		got, err := indicators.URLExpressions(input)
		if err != nil || !slices.Equal(got, exprs) {
			t.Errorf("URLExpressions(%q) = %q, %v, want %q", input, got, err, exprs)
		}
	}
}

// TestURLRawBytes covers the spec examples whose input JSON cannot carry:
// bytes that are not UTF-8.
func TestURLRawBytes(t *testing.T) {
	tests := []struct {
		input, canonical string
	}{
		{"http://\x01\x80.com/", "http://%01%80.com/"}, // the spec's own example
		{"http://\xff\xfe.example/\xc3", "http://%FF%FE.example/%C3"},
		{"http://EX\x80AMPLE.com/", "http://ex%80ample.com/"},
		{"http://a.com/\x80\tb", "http://a.com/%80b"},
	}
	for _, tt := range tests {
		checkURLRow(t, tt.input, tt.canonical, "url:"+strings.TrimPrefix(tt.canonical, "http://"), nil, "")
	}
}

func TestURLLength(t *testing.T) {
	host := "http://evil.example/"
	long := host + strings.Repeat("a", indicators.MaxInputLen-len(host))
	if _, err := indicators.CanonicalURL(long); err != nil {
		t.Errorf("CanonicalURL of %d bytes: %v", len(long), err)
	}
	tests := []struct {
		name, input string
	}{
		{"input too long", long + "a"},
		// Escaping triples each of these bytes: the canonical form would not
		// fit, and its key could not be normalized again.
		{"canonical too long", host + strings.Repeat("\x7f", indicators.MaxInputLen/2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := indicators.NormalizeURL(tt.input)
			if code := indicators.ErrorCode(err); code != indicators.CodeTooLong {
				t.Errorf("NormalizeURL(%d bytes) error code = %q (%v), want %q", len(tt.input), code, err, indicators.CodeTooLong)
			}
		})
	}
}

// TestURLSameKey lists inputs that name one page and must share a key.
func TestURLSameKey(t *testing.T) {
	groups := [][]string{
		{
			"http://ngân-hàng.vn/đăng-nhập",
			"https://NGÂN-HÀNG.VN/đăng-nhập",
			"ngân-hàng.vn/%C4%91%C4%83ng-nh%E1%BA%ADp",
			"http://xn--ngn-hng-dwao.vn/%c4%91%c4%83ng-nh%e1%ba%adp#top",
			"http://ng%C3%A2n-h%C3%A0ng.vn:80/a/../%C4%91%C4%83ng-nh%E1%BA%ADp",
		},
		{
			"https://evil.example/login?x=1",
			"http://user@Evil.Example.:8080//login?x=1",
			"evil.example/./login?x=%31",
			"  evil.example/login?x=1#frag\n",
		},
		{
			"http://127.0.0.1/",
			"http://0x7f000001/",
			"http://2130706433",
			"http://0177.0.0.1/",
			"127.1",
		},
	}
	for _, g := range groups {
		want, err := indicators.NormalizeURL(g[0])
		if err != nil {
			t.Fatalf("NormalizeURL(%q): %v", g[0], err)
		}
		for _, s := range g[1:] {
			if got, err := indicators.NormalizeURL(s); err != nil || got != want {
				t.Errorf("NormalizeURL(%q) = %q, %v, want %q", s, got, err, want)
			}
		}
	}
}

func TestURLExpressionsFirstIsKey(t *testing.T) {
	for _, v := range readVectorFile(t, "url.json") {
		if v.Error != "" {
			continue
		}
		key, err := indicators.NormalizeURL(v.Input)
		if err != nil {
			t.Errorf("NormalizeURL(%q): %v", v.Input, err)
			continue
		}
		exprs, err := indicators.URLExpressions(v.Input)
		if err != nil || len(exprs) == 0 || exprs[0] != key.Value() {
			t.Errorf("URLExpressions(%q) = %q, %v; want it to start with %q", v.Input, exprs, err, key.Value())
		}
	}
}

func TestMaxURLExpressions(t *testing.T) {
	if indicators.MaxURLExpressions != 30 {
		t.Errorf("MaxURLExpressions = %d, want the spec's 30", indicators.MaxURLExpressions)
	}
	// A deep host and a deep path with a query reach the bound exactly.
	got, err := indicators.URLExpressions("http://a.b.c.d.e.f.g.h/1/2/3/4/5/6.html?q=1")
	if err != nil || len(got) != indicators.MaxURLExpressions {
		t.Errorf("URLExpressions gave %d expressions, %v, want %d", len(got), err, indicators.MaxURLExpressions)
	}
}

func TestURLHost(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://evil.example/login", "evil.example"},
		{"https://evil.example/", "evil.example"},
		{"evil.example/login?x=1", "evil.example"},
		{"b.c/1/", "b.c"},
		{"http://[2001:470:1:18::114]/", "[2001:470:1:18::114]"},
		{"http://host%23.com/", "host%23.com"},
		{"http://a.b/?x/y", "a.b"},
	}
	for _, tt := range tests {
		if got := indicators.URLHost(tt.in); got != tt.want {
			t.Errorf("URLHost(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// The host of every canonical URL is the start of its key.
	for _, v := range readVectorFile(t, "url.json") {
		if v.Canonical == "" {
			continue
		}
		h := indicators.URLHost(v.Canonical)
		if h == "" || !strings.HasPrefix(v.Key, "url:"+h+"/") {
			t.Errorf("URLHost(%q) = %q, not the host of key %q", v.Canonical, h, v.Key)
		}
	}
}

func TestURLKeyRoundTrip(t *testing.T) {
	for _, in := range []string{"HTTPS://Evil.Example/login#x", "http://a.b/?", "http://[::1]:8080/x", "http://%01%80.com/"} {
		key, err := indicators.NormalizeURL(in)
		if err != nil {
			t.Fatalf("NormalizeURL(%q): %v", in, err)
		}
		if got, err := indicators.ParseKey(string(key)); err != nil || got != key {
			t.Errorf("ParseKey(%q) = %q, %v, want the key back", key, got, err)
		}
		if got, err := indicators.Normalize(indicators.KindURL, in); err != nil || got != key {
			t.Errorf("Normalize(url, %q) = %q, %v, want %q", in, got, err, key)
		}
	}
	if _, err := indicators.ParseKey("url:http://evil.example/login"); err == nil {
		t.Error(`ParseKey("url:http://evil.example/login") accepted a value with a scheme`)
	}
}

// urlBenchInputs are links of the kinds feeds and citizens send.
var urlBenchInputs = []string{
	"https://www.vietcombank.com.vn/vi-VN/KHCN/Cong-cu-tien-ich/Ty-gia",
	"http://secure-login.vcb-verify.example/auth/index.php?session=8f14e45fceea167a5a36dedd4bea2543&lang=vi",
	"evil-shop.vn/sale",
	"HTTPS://Ngân-Hàng.VN/đăng-nhập?ref=sms#top",
	"http://203.0.113.7:8080/~admin/./panel/../login.html",
	"https://bit.ly/3xYzAbC",
	"http://login.microsoftonline.com.example/common/oauth2/authorize?client_id=abc%26def&redirect_uri=http%3A%2F%2Fevil.example%2Fcb",
	"https://shopee-vn.example//product//123456?utm_source=zalo&utm_medium=chat",
}

func BenchmarkNormalizeURL(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := indicators.NormalizeURL(urlBenchInputs[i%len(urlBenchInputs)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkURLExpressions(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := indicators.URLExpressions(urlBenchInputs[i%len(urlBenchInputs)]); err != nil {
			b.Fatal(err)
		}
	}
}
