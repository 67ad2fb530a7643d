package feeds

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// result is everything a parser yielded.
type result struct {
	items []Item
	errs  []*RecordError
	fatal error // nil when the parser reached io.EOF
}

// maxNext bounds how often collect calls Next, so that a parser that never
// ends fails the test instead of hanging it.
const maxNext = 10_000_000

// collect drains p. It checks the contract on the way: a fatal error (and
// io.EOF) is sticky, and nothing but *RecordError lets parsing go on.
func collect(tb testing.TB, p Parser) result {
	tb.Helper()
	var r result
	for range maxNext {
		it, err := p.Next()
		var re *RecordError
		switch {
		case err == nil:
			r.items = append(r.items, it)
			continue
		case errors.As(err, &re):
			r.errs = append(r.errs, re)
			continue
		case !errors.Is(err, io.EOF):
			r.fatal = err
		}
		if _, again := p.Next(); !errors.Is(again, err) && again != err {
			tb.Fatalf("Next after %v returned %v, want the same error again", err, again)
		}
		return r
	}
	tb.Fatalf("parser did not end after %d calls to Next", maxNext)
	return r
}

// parseString runs a parser of the given format over input; a NewParser
// error is returned as the result's fatal error.
func parseString(tb testing.TB, format Format, input string, opts Options) result {
	tb.Helper()
	p, err := NewParser(format, strings.NewReader(input), opts)
	if err != nil {
		return result{fatal: err}
	}
	return collect(tb, p)
}

// view renders the fields of an item a test pins, compactly.
func view(it Item) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s %s", it.Line, it.Kind, it.Value)
	if it.Bank != "" || it.Account != "" {
		fmt.Fprintf(&b, " bank=%s acct=%s", it.Bank, it.Account)
	}
	for _, kv := range [][2]string{{"cat", string(it.Category)}, {"level", it.Level}, {"id", it.ExternalID}, {"holder", it.HolderName}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, " %s=%s", kv[0], kv[1])
		}
	}
	if !it.Seen.IsZero() {
		fmt.Fprintf(&b, " seen=%s", it.Seen.Format(time.RFC3339))
	}
	return b.String()
}

func views(items []Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = view(it)
	}
	return out
}

// errViews renders record errors as "<line> <reason>".
func errViews(errs []*RecordError) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = strconv.Itoa(e.Line) + " " + e.Reason
	}
	return out
}

// parseCase is one row of the per-format tables. Errors are matched as
// "<line> <substring of the reason>".
type parseCase struct {
	name  string
	in    string
	opts  Options
	items []string
	errs  []string
	fatal string // substring of the fatal error; it must wrap ErrFormat
}

func runCases(t *testing.T, format Format, cases []parseCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := parseString(t, format, tc.in, tc.opts)
			if tc.fatal != "" {
				if r.fatal == nil || !errors.Is(r.fatal, ErrFormat) || !strings.Contains(r.fatal.Error(), tc.fatal) {
					t.Fatalf("fatal error = %v, want ErrFormat containing %q", r.fatal, tc.fatal)
				}
			} else if r.fatal != nil {
				t.Fatalf("unexpected fatal error: %v", r.fatal)
			}
			if got := views(r.items); !slices.Equal(got, tc.items) {
				t.Errorf("items:\n got %q\nwant %q", got, tc.items)
			}
			got := errViews(r.errs)
			if len(got) != len(tc.errs) {
				t.Fatalf("record errors:\n got %q\nwant %q", got, tc.errs)
			}
			for i, w := range tc.errs {
				line, reason, _ := strings.Cut(w, " ")
				if r.errs[i].Line != atoi(t, line) || !strings.Contains(r.errs[i].Reason, reason) {
					t.Errorf("record error %d = %q, want line %s with %q", i, got[i], line, reason)
				}
				if len(r.errs[i].Raw) > MaxRawBytes {
					t.Errorf("record error %d: Raw is %d bytes, want <= %d", i, len(r.errs[i].Raw), MaxRawBytes)
				}
			}
		})
	}
}

func atoi(tb testing.TB, s string) int {
	tb.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		tb.Fatalf("bad line number %q in test table", s)
	}
	return n
}

func TestPlain(t *testing.T) {
	runCases(t, FormatPlain, []parseCase{
		{name: "comments and blanks", in: "# header\n! adblock-style comment\n\n  0912 345 678  \r\nacb-online.co # inline comment\nhttp://x.example/#/login\n",
			items: []string{"4  0912 345 678", "5  acb-online.co", "6  http://x.example/#/login"}},
		{name: "forced kind", in: "VCB 0011004353201\n970436 0011004353201", opts: Options{Kind: indicators.KindBankAccount},
			items: []string{"1 bank_account VCB 0011004353201", "2 bank_account 970436 0011004353201"}},
		{name: "BOM and no final newline", in: "\xef\xbb\xbf0912345678", opts: Options{Kind: indicators.KindPhone},
			items: []string{"1 phone 0912345678"}},
		{name: "invalid UTF-8 rejected", in: "a.example\n\xff\xfe.example\nb.example\n",
			items: []string{"1  a.example", "3  b.example"}, errs: []string{"2 not valid UTF-8"}},
		{name: "empty input", in: ""},
		{name: "gzip refused", in: "\x1f\x8b\x08\x00rest", fatal: "gzip"},
	})
}

func TestHosts(t *testing.T) {
	runCases(t, FormatHosts, []parseCase{
		{name: "typical", in: "# comment\n127.0.0.1 localhost\n::1 localhost ip6-localhost\n255.255.255.255 broadcasthost\n0.0.0.0 a.example b.example # two\n127.0.0.1\tc.example\n:: d.example\n0.0.0.0 0.0.0.0\n",
			items: []string{"5 domain a.example", "5 domain b.example", "6 domain c.example", "7 domain d.example"}},
		{name: "bad lines after a good one", in: "0.0.0.0 a.example\n203.0.113.9 pinned.example\n0.0.0.0\nb.example\n0.0.0.0 c.example\n",
			items: []string{"1 domain a.example", "5 domain c.example"},
			errs:  []string{"2 not a blocking address", "3 address without a host", "4 does not start with an address"}},
		{name: "not a hosts file", in: "# list\na.example\nb.example\n", fatal: "line 2: expected a hosts entry"},
	})
}

func TestAdblock(t *testing.T) {
	runCases(t, FormatAdblock, []parseCase{
		{name: "rules", in: "[Adblock Plus 2.0]\n! Title: test\n||a.example^\n||b.example^$third-party\n||c.example/login/^\n@@||good.example^\nexample.com##.banner\n/ads/*\n||*.wild.example^\n||^\n||d.example^$badfilter\n||e.example\n",
			items: []string{"3 domain a.example", "4 domain b.example", "5 url c.example/login/", "12 domain e.example"},
			errs:  []string{"9 wildcard", "10 no host"}},
		{name: "plain list is not adblock", in: "a.example\n||b.example^\n", fatal: "line 1: expected Adblock filter rules"},
	})
}

func TestOpenPhish(t *testing.T) {
	runCases(t, FormatOpenPhish, []parseCase{
		{name: "urls", in: "https://a.example/login\nhttp://b.example/\nb.example/no-scheme\n\n",
			items: []string{"1 url https://a.example/login cat=phishing", "2 url http://b.example/ cat=phishing"},
			errs:  []string{"3 not a URL"}},
		{name: "domain list is not openphish", in: "a.example\n", fatal: "line 1: expected a URL"},
	})
}

func TestCSV(t *testing.T) {
	reports := "reported_at,phone,category,description,amount_vnd\n" +
		"2025-03-14T10:39:43Z,0798 936 126,investment,\"Nhóm Telegram, nạp tiền\",120000000\n" +
		"2025-07-17T07:05:01Z,,impersonation,xin OTP,0\n" +
		"2025-07-18T07:05:01Z\n" +
		"2023-01-15,+84 33 169 1207,loan,,0\n"
	accounts := "reported_at,bank,account,holder_name,category,description,amount_vnd\n" +
		"2025-10-28T04:24:44Z,ACB,067729921729,LY QUOC DUNG,phishing,\"Gửi link giả\",3000000\n" +
		"2025-01-20T18:36:29Z,Ngân hàng Mặt Trăng,,,romance,x,1\n"
	runCases(t, FormatCSV, []parseCase{
		{name: "phone reports, header mapped automatically", in: reports,
			items: []string{"2 phone 0798 936 126 cat=investment seen=2025-03-14T10:39:43Z", "5 phone +84 33 169 1207 cat=scam seen=2023-01-15T00:00:00Z"},
			errs:  []string{"3 no value (empty phone)", "4 1 columns, want at least 2"}},
		{name: "account reports", in: accounts,
			items: []string{"2 bank_account ACB 067729921729 bank=ACB acct=067729921729 cat=phishing holder=LY QUOC DUNG seen=2025-10-28T04:24:44Z"},
			errs:  []string{"3 bank \"Ngân hàng Mặt Trăng\" without an account number"}},
		{name: "map by index, no header", in: "0912345678,VCB,0011004353201\n,ACB,067729921729\n", opts: Options{Map: "number=0,bank=1,account=2"},
			items: []string{"1 phone 0912345678", "1 bank_account VCB 0011004353201 bank=VCB acct=0011004353201", "2 bank_account ACB 067729921729 bank=ACB acct=067729921729"}},
		{name: "map by index skips a header row", in: "sdt,ngan_hang,stk\n0912345678,VCB,1\n", opts: Options{Map: "phone=0"},
			items: []string{"2 phone 0912345678"}},
		{name: "map by names", in: "SDT;x,Ngan Hang,STK\n0912345678,VCB,0011004353201\n", opts: Options{Map: "phone=sdt;x,bank=ngan_hang,account=stk"},
			items: []string{"2 phone 0912345678", "2 bank_account VCB 0011004353201 bank=VCB acct=0011004353201"}},
		{name: "value and kind columns", in: "kind,value,category\nphone,0912345678,scam\ndomain,a.example,\nfax,123,\n,b.example,\n", opts: Options{Kind: indicators.KindDomain},
			items: []string{"2 phone 0912345678 cat=scam", "3 domain a.example", "5 domain b.example"},
			errs:  []string{"4 unknown kind \"fax\""}},
		{name: "no header", in: "VCB,0011004353201\n", fatal: "line 1: expected a header naming a value column"},
		{name: "named column missing", in: "a,b\n1,2\n", opts: Options{Map: "phone=sdt"}, fatal: `line 1: expected a header with a column "sdt"`},
	})
}

func TestCSVOptionErrors(t *testing.T) {
	for _, m := range []string{"colour=1", "phone", "phone=1,number=2", "phone=-1", "category=1"} {
		if _, err := NewParser(FormatCSV, strings.NewReader("x\n"), Options{Map: m}); !errors.Is(err, ErrOption) {
			t.Errorf("NewParser(csv, Map %q) error = %v, want ErrOption", m, err)
		}
	}
	if _, err := NewParser(FormatPlain, strings.NewReader("x\n"), Options{Map: "phone=0"}); !errors.Is(err, ErrOption) {
		t.Errorf("a column map on a plain list: error = %v, want ErrOption", err)
	}
	if _, err := NewParser(FormatPlain, strings.NewReader("x\n"), Options{Kind: "fax"}); !errors.Is(err, ErrOption) {
		t.Errorf("kind fax: error = %v, want ErrOption", err)
	}
}

func TestJSONL(t *testing.T) {
	runCases(t, FormatJSONL, []parseCase{
		{name: "objects", in: `{"kind":"phone","value":"0912 345 678","category":"scam"}` + "\n" +
			`{"bank":"VCB","account":"0011004353201","holder_name":"NGUYEN VAN A","id":"r-1"}` + "\n\n" +
			`{"domain":"a.example","seen":1617283200}` + "\n" +
			`{"phone":912345678}` + "\n" +
			`{"note":"nothing"}` + "\n" +
			`not json` + "\n" +
			`{"phone":["a"]}` + "\n" +
			`{"phone":"1"} {"phone":"2"}` + "\n",
			items: []string{"1 phone 0912 345 678 cat=scam", "2 bank_account VCB 0011004353201 bank=VCB acct=0011004353201 id=r-1 holder=NGUYEN VAN A",
				"4 domain a.example seen=2021-04-01T13:20:00Z", "5 phone 912345678"},
			errs: []string{"6 no value key", "7 not a JSON object", "8 want a string or number", "9 data after the JSON object"}},
		{name: "mapped keys", in: `{"sdt":"0912345678","phone":"ignored"}`, opts: Options{Map: "phone=sdt"},
			items: []string{"1 phone 0912345678"}},
		{name: "not json lines", in: "phone\n0912345678\n", fatal: "line 1: expected a JSON object per line"},
	})
}

func TestPhishTankCSV(t *testing.T) {
	head := "phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target\n"
	runCases(t, FormatPhishTankCSV, []parseCase{
		{name: "rows", in: head +
			"7054274,https://a.example/login,http://www.phishtank.com/phish_detail.php?phish_id=7054274,2021-04-01T15:08:16+00:00,yes,2021-04-01T15:11:29+00:00,yes,\"PKO Polish Bank\"\n" +
			"7054275,\"https://b.example/a,b\",http://x,2021-04-01T15:09:00+00:00,no,,yes,Other\n" +
			"7054276\n" +
			"7054277,,http://x,2021-04-01T15:09:00+00:00,yes,,yes,Other\n",
			items: []string{"2 url https://a.example/login cat=phishing id=7054274 seen=2021-04-01T15:08:16Z"},
			errs:  []string{"3 not verified", "4 1 columns, want at least 2", "5 empty url"}},
		{name: "plain list", in: "https://a.example/\n", fatal: "line 1: expected the header phish_id,url"},
	})
}

func TestURLhaus(t *testing.T) {
	head := "################\n# abuse.ch URLhaus Database Dump\n#\n# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n"
	runCases(t, FormatURLhaus, []parseCase{
		{name: "dump", in: head +
			`"3035150","2024-07-15 10:43:06","http://192.0.2.13:44716/i","online","2024-07-15 10:43:06","malware_download","32-bit,elf","https://urlhaus.abuse.ch/url/3035150/","geenensp"` + "\n" +
			`"3035147","2024-07-15 10:39:59"` + "\n" +
			`"3035145","2024-07-15 10:37:20","not a url","online"` + "\n",
			items: []string{"5 url http://192.0.2.13:44716/i cat=malware id=3035150 seen=2024-07-15T10:43:06Z"},
			errs:  []string{"6 2 columns, want at least 3", "7 url column holds \"not a url\""}},
		{name: "header without comment and moved columns", in: "url,id,dateadded\nhttp://a.example/x,7,2024-07-15 10:43:06\n",
			items: []string{"2 url http://a.example/x cat=malware id=7 seen=2024-07-15T10:43:06Z"}},
		{name: "plain list", in: "# my list\na.example\n", fatal: "line 2: expected URLhaus rows"},
	})
}

func TestChongLuaDao(t *testing.T) {
	runCases(t, FormatChongLuaDao, []parseCase{
		{name: "records", in: `[{"_id":"1","url":"http://acb-online.co/*","type":"phishing","level":"high","meta":{}},` +
			`{"_id":"2","url":"http://bblink.com/8hPYIN","type":"scam","level":"medium"},` +
			`{"_id":"3","url":"https://www.facebook.com/profile.php?id=1","type":"impersonate_fake","level":"high"},` +
			`{"_id":"4","url":"http://x.example/path/*","type":"dangerous_link"},` +
			`{"_id":"5","url":"http://*.wild.example/*","type":"bad_sensitive_content"},` +
			`{"_id":"6","url":"","type":"scam"},` +
			`{"_id":"7","url":"http:///*","type":"scam"},` +
			`42,` +
			`{"_id":"9","url":"https://user@host.example:8443/*"}]`,
			items: []string{"1 domain acb-online.co cat=phishing level=high id=1", "2 url http://bblink.com/8hPYIN cat=scam level=medium id=2",
				"3 url https://www.facebook.com/profile.php?id=1 cat=impersonation level=high id=3", "4 url http://x.example/path/ cat=phishing id=4",
				"5 domain wild.example cat=other id=5", "9 domain host.example id=9"},
			errs: []string{"6 empty url", "7 no host", "8 not a ChongLuaDao record"}},
		{name: "not an array", in: `{"url":"x"}`, fatal: "expected a JSON array"},
		{name: "array of other objects", in: `[{"name":"x"}]`, fatal: "record 1: expected"},
		{name: "broken JSON mid-way", in: `[{"url":"http://a.example/*"},{"url":`, items: []string{"1 domain a.example"}, fatal: "record 2: invalid JSON"},
		{name: "data after the array", in: `[{"url":"http://a.example/*"}] x`, items: []string{"1 domain a.example"}, fatal: "after the JSON array"},
	})
}

func TestPhishTankJSON(t *testing.T) {
	runCases(t, FormatPhishTankJSON, []parseCase{
		{name: "records", in: `[{"phish_id":7054274,"url":"https://a.example/","submission_time":"2021-04-01T15:08:16+00:00","verified":"yes","details":[{"ip_address":"192.0.2.1"}]},` +
			`{"phish_id":"2","url":"https://b.example/","verified":"no"},` +
			`{"phish_id":3,"url":"","verified":"yes"},` +
			`{"phish_id":4,"url":"https://c.example/","verified":true}]`,
			items: []string{"1 url https://a.example/ cat=phishing id=7054274 seen=2021-04-01T15:08:16Z", "4 url https://c.example/ cat=phishing id=4"},
			errs:  []string{"2 not verified", "3 empty url"}},
		{name: "chongluadao records are not phishtank", in: `[{"_id":"1","url":"http://a/*"}]`, fatal: "record 1: expected"},
	})
}

func TestSTIX(t *testing.T) {
	ind := func(id, pattern string, extra string) string {
		return `{"type":"indicator","spec_version":"2.1","id":"` + id + `","created":"2025-03-01T08:00:00Z",` + extra + `"pattern":` + strconv.Quote(pattern) + `}`
	}
	objects := []string{
		`{"type":"identity","id":"identity--1","name":"x"}`,
		ind("indicator--1", "[domain-name:value = 'acb-online.co']", `"indicator_types":["malicious-activity","phishing"],"valid_from":"2025-03-02T00:00:00Z",`),
		ind("indicator--2", "[domain-name:value = 'a.example' OR domain-name:value = 'b.example']", `"indicator_types":["fraud"],`),
		ind("indicator--3", `[url:value = 'http://x.example/it\'s\\here']`, `"pattern_type":"stix",`),
		ind("indicator--4", "[x-phone-number:value = '+84912345678'] OR ([x-bank-account:value = '970436:0011004353201'])", ""),
		ind("indicator--5", "[domain-name:value = 'a.example' AND domain-name:value = 'b.example']", ""),
		ind("indicator--6", "[ipv4-addr:value = '198.51.100.1']", ""),
		ind("indicator--7", "[ipv4-addr:value = '198.51.100.1' OR url:value IN ('http://c.example/', 'http://d.example/')]", ""),
		ind("indicator--8", "[domain-name:value = 'a.example'] FOLLOWEDBY [url:value = 'http://a.example/x']", ""),
		ind("indicator--9", "[domain-name:value = 'a.example'] WITHIN 300 SECONDS", ""),
		ind("indicator--10", "[domain-name:value LIKE '%.example']", ""),
		ind("indicator--11", "[domain-name:value = 'unterminated]", ""),
		ind("indicator--12", "[domain-name:value = 'good.example']", `"indicator_types":["benign"],`),
		ind("indicator--13", "[domain-name:value = 'old.example']", `"revoked":true,`),
		ind("indicator--14", "yara rule", `"pattern_type":"yara",`),
		`{"type":"domain-name","id":"domain-name--1","value":"sco.example"}`,
		`{"type":"url","id":"url--1","value":""}`,
		`{"type":"relationship","id":"relationship--1"}`,
		`"not an object"`,
	}
	bundle := `{"type":"bundle","id":"bundle--1","objects":[` + strings.Join(objects, ",") + `]}`
	runCases(t, FormatSTIX, []parseCase{
		{name: "bundle", in: bundle,
			items: []string{
				"2 domain acb-online.co cat=phishing id=indicator--1 seen=2025-03-02T00:00:00Z",
				"3 domain a.example cat=scam id=indicator--2 seen=2025-03-01T08:00:00Z",
				"3 domain b.example cat=scam id=indicator--2 seen=2025-03-01T08:00:00Z",
				`4 url http://x.example/it's\here id=indicator--3 seen=2025-03-01T08:00:00Z`,
				"5 phone +84912345678 id=indicator--4 seen=2025-03-01T08:00:00Z",
				"5 bank_account 970436 0011004353201 bank=970436 acct=0011004353201 id=indicator--4 seen=2025-03-01T08:00:00Z",
				"8 url http://c.example/ id=indicator--7 seen=2025-03-01T08:00:00Z",
				"8 url http://d.example/ id=indicator--7 seen=2025-03-01T08:00:00Z",
				"16 domain sco.example id=domain-name--1",
			},
			errs: []string{"6 AND (all comparisons must hold)", "7 names no supported object", "9 FOLLOWEDBY", "10 qualifier WITHIN",
				"11 operator LIKE", "12 unterminated string", "13 benign", "14 revoked", "15 pattern_type \"yara\"", "17 url object without a value",
				"19 not a STIX object"}},
		{name: "type after objects", in: `{"objects":[{"type":"domain-name","value":"a.example"}],"type":"bundle"}`, items: []string{"1 domain a.example"}},
		{name: "not a bundle", in: `{"type":"indicator","pattern":"[domain-name:value = 'a']"}`, fatal: "got an object of type \"indicator\""},
		{name: "no type at all", in: `{"objects":[]}`, fatal: `without "type":"bundle"`},
		{name: "csv given as stix", in: "reported_at,phone\n", fatal: "line 1: expected a STIX bundle"},
		{name: "truncated", in: `{"type":"bundle","objects":[{"type":"domain-name","value":"a.example"},{"type":`, items: []string{"1 domain a.example"}, fatal: "record 2"},
	})
}

func TestPatternParser(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		want    []comparison
		err     string
	}{
		{pattern: "[domain-name:value = 'a.com']", want: []comparison{{"domain-name:value", "a.com"}}},
		{pattern: "[domain-name:value == 'a.com']", want: []comparison{{"domain-name:value", "a.com"}}},
		{pattern: "  [ (domain-name:value = 'a.com' OR (url:value = 'b')) ]  ", want: []comparison{{"domain-name:value", "a.com"}, {"url:value", "b"}}},
		{pattern: `[file:hashes.'SHA-256' = 'ab' OR file:name = 'x\\y']`, want: []comparison{{"file:hashes.'SHA-256'", "ab"}, {"file:name", `x\y`}}},
		{pattern: "[network-traffic:dst_ref[*].value = '1.2.3.4']", want: []comparison{{"network-traffic:dst_ref[*].value", "1.2.3.4"}}},
		{pattern: "[domain-name:value NOT = 'a']", err: "NOT"},
		{pattern: "[domain-name:value != 'a']", err: "operator !="},
		{pattern: "[domain-name:value = 5]", err: "want a quoted string"},
		{pattern: "[domain-name:value = 'a'", err: `expected "]"`},
		{pattern: "[domain-name:value = 'a'] AND [url:value = 'b']", err: "AND between observations"},
		{pattern: "[domain-name:value = 'a'] REPEATS 5 TIMES", err: "REPEATS"},
		{pattern: "[domain-name:value = 'a'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'", err: "START"},
		{pattern: "[domain-name:value = 'a\\n']", err: "bad escape"},
		{pattern: "[domain-name: = 'a']", err: "without a property"},
		{pattern: "[EXISTS domain-name:value]", err: "EXISTS"},
		{pattern: "", err: "empty"},
		{pattern: strings.Repeat("(", 100) + "[a:b = 'c']" + strings.Repeat(")", 100), err: "nested too deeply"},
		{pattern: "[a:b = 'c'] x", err: "unexpected"},
	} {
		got, err := parsePattern(tc.pattern)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parsePattern(%q) error = %v, want %q", tc.pattern, err, tc.err)
			}
		case err != nil:
			t.Errorf("parsePattern(%q) error = %v", tc.pattern, err)
		case !slices.Equal(got, tc.want):
			t.Errorf("parsePattern(%q) = %q, want %q", tc.pattern, got, tc.want)
		}
	}
}

func TestMISP(t *testing.T) {
	event := `{"uuid":"e1","date":"2025-04-01","Tag":[{"name":"tlp:white"},{"name":"circl:incident-classification=\"phishing\""}],"Attribute":[` +
		`{"uuid":"a1","type":"domain","value":"acb-online.co","timestamp":"1743494400"},` +
		`{"uuid":"a2","type":"url","value":"http://bblink.com/x","Tag":[{"name":"scam"}]},` +
		`{"uuid":"a3","type":"ip-dst","value":"198.51.100.3"},` +
		`{"uuid":"a4","type":"phone-number","value":"+84 912 345 678"},` +
		`{"uuid":"a5","type":"domain|ip","value":"a.example|203.0.113.5"},` +
		`{"uuid":"a6","type":"domain","value":"deleted.example","deleted":true},` +
		`{"uuid":"a7","type":"url","value":""},` +
		`"junk"],` +
		`"Object":[{"name":"bank-account","Attribute":[{"uuid":"a9","type":"bank-account-nr","object_relation":"account","value":"0011004353201"},` +
		`{"type":"text","object_relation":"institution-name","value":"Vietcombank"},{"type":"text","object_relation":"holder-name","value":"NGUYEN VAN A"}]}]}`
	want := []string{"1 domain acb-online.co cat=phishing id=a1 seen=2025-04-01T08:00:00Z", "2 url http://bblink.com/x cat=scam id=a2 seen=2025-04-01T00:00:00Z",
		"4 phone +84 912 345 678 cat=phishing id=a4 seen=2025-04-01T00:00:00Z", "5 domain a.example cat=phishing id=a5 seen=2025-04-01T00:00:00Z",
		"9 bank_account Vietcombank 0011004353201 bank=Vietcombank acct=0011004353201 cat=phishing id=a9 holder=NGUYEN VAN A seen=2025-04-01T00:00:00Z"}
	wantErrs := []string{"7 url attribute without a value", "8 not a MISP attribute"}
	second := `{"uuid":"e2","Attribute":[{"uuid":"b1","type":"iban","category":"Financial fraud","value":"DE89370400440532013000"}]}`
	runCases(t, FormatMISP, []parseCase{
		{name: "event", in: `{"Event":` + event + `}`, items: want, errs: wantErrs},
		{name: "response", in: `{"response":[{"Event":` + event + `},{"Event":` + second + `}]}`,
			items: append(slices.Clone(want), "12 bank_account DE89370400440532013000 cat=scam id=b1"), errs: wantErrs},
		{name: "array", in: `[{"Event":` + second + `}]`, items: []string{"1 bank_account DE89370400440532013000 cat=scam id=b1"}},
		{name: "empty response", in: `{"response":[]}`},
		{name: "stix given as misp", in: `{"type":"bundle","objects":[]}`, fatal: `got key "type"`},
		{name: "empty object", in: `{}`, fatal: "found none"},
		{name: "plain list given as misp", in: "a.example\n", fatal: "line 1: expected a MISP event"},
	})
}

func TestMISPEventCap(t *testing.T) {
	defer func(old int64) { maxMISPEventBytes = old }(maxMISPEventBytes)
	maxMISPEventBytes = 1 << 10
	in := `{"Event":{"Attribute":[` + strings.Repeat(`{"type":"domain","value":"a.example"},`, 100) + `{"type":"domain","value":"b.example"}]}}`
	r := parseString(t, FormatMISP, in, Options{})
	if !errors.Is(r.fatal, ErrFormat) || !strings.Contains(r.fatal.Error(), "larger than 1024 bytes") {
		t.Fatalf("fatal = %v, want an event over the cap to stop parsing", r.fatal)
	}
	if len(r.items) != 0 {
		t.Errorf("got %d items from an event over the cap", len(r.items))
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats() {
		if got, err := ParseFormat(strings.ToUpper(string(f))); err != nil || got != f {
			t.Errorf("ParseFormat(%q) = %q, %v", strings.ToUpper(string(f)), got, err)
		}
	}
	if got, err := ParseFormat(" ndjson "); err != nil || got != FormatJSONL {
		t.Errorf("ParseFormat(ndjson) = %q, %v", got, err)
	}
	if _, err := ParseFormat("xml"); !errors.Is(err, ErrOption) {
		t.Errorf("ParseFormat(xml) error = %v, want ErrOption", err)
	}
	if _, err := NewParser("xml", strings.NewReader(""), Options{}); !errors.Is(err, ErrOption) {
		t.Errorf("NewParser(xml) error = %v, want ErrOption", err)
	}
}

func TestParseTime(t *testing.T) {
	for in, want := range map[string]string{
		"2021-04-01T15:08:16+00:00": "2021-04-01T15:08:16Z",
		"2025-10-28T04:24:44Z":      "2025-10-28T04:24:44Z",
		"2024-07-15 10:43:06":       "2024-07-15T10:43:06Z",
		"2025-04-01":                "2025-04-01T00:00:00Z",
		"1617283200":                "2021-04-01T13:20:00Z",
		"1617283200000":             "2021-04-01T13:20:00Z",
		"yesterday":                 "0001-01-01T00:00:00Z",
		"":                          "0001-01-01T00:00:00Z",
	} {
		if got := parseTime(in).Format(time.RFC3339); got != want {
			t.Errorf("parseTime(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestClip(t *testing.T) {
	s := strings.Repeat("ă", 200) // 2 bytes each
	got := clip(s)
	if len(got) > MaxRawBytes || len(got) < MaxRawBytes-1 || !strings.HasPrefix(s, got) {
		t.Errorf("clip: %d bytes, want %d cut on a rune boundary", len(got), MaxRawBytes)
	}
	if clip("short") != "short" {
		t.Error("clip changed a short string")
	}
}
