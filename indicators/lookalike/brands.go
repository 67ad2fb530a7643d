package lookalike

import (
	"strings"

	"github.com/scamcheck/scamcheck/indicators"
)

// Brand is one organisation whose sites people are tricked into trusting:
// its official registrable domains and the names that, seen inside another
// host, mean someone is borrowing its identity.
type Brand struct {
	// Name is for people, e.g. "Vietcombank".
	Name string
	// Domains are the official registrable domains, most important first;
	// the first is what a Match reports as LookalikeOf.
	Domains []string
	// Tokens are the brand's names as they appear in host names, lower-case
	// ASCII letters and digits, e.g. "vietcombank", "vcb". Tokens of one to
	// four letters are matched only at token boundaries (see doc.go).
	Tokens []string
}

// BankBrands turns a bank table into brands: the official website, the
// VietQR code, the short name and the one-word aliases. Aliases with
// spaces are squashed ("MB Bank" → "mbbank"); Vietnamese-language aliases
// and those under five letters are left out because they are ordinary
// words in host names ("agri", "citi", "nam a").
func BankBrands(t *indicators.BankTable) []Brand {
	var out []Brand
	for _, b := range t.All() {
		br := Brand{Name: b.ShortName}
		if b.Website != "" {
			br.Domains = []string{strings.ToLower(b.Website)}
		}
		add := func(s string, minLen int) {
			tok := squash(s)
			if len(tok) < minLen || commonWords[tok] {
				return
			}
			for _, have := range br.Tokens {
				if have == tok {
					return
				}
			}
			br.Tokens = append(br.Tokens, tok)
		}
		add(b.Code, 2)
		add(b.ShortName, 2)
		if label, _, ok := strings.Cut(br.primary(), "."); ok {
			add(label, 3)
		}
		for _, a := range b.Aliases {
			add(a, 5)
		}
		if len(br.Domains) > 0 || len(br.Tokens) > 0 {
			out = append(out, br)
		}
	}
	return out
}

// squash lower-cases s and drops everything but ASCII letters and digits;
// a name with any other letter (Vietnamese diacritics) gives "", since
// such names never appear in a host as typed.
func squash(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			b.WriteRune(r)
		case r == ' ', r == '-', r == '_', r == '.':
		default:
			return ""
		}
	}
	return b.String()
}

// commonWords are bank codes or names that are everyday words in host
// names; they stay out of the token list (the brand's domain still counts).
var commonWords = map[string]bool{
	"cake":  true, // pancake, cakeshop
	"dob":   true,
	"dab":   true,
	"nasb":  true,
	"sgb":   true,
	"nab":   true, // also National Australia Bank
	"dbs":   true, // DBS Singapore, whose own phish would be misattributed
	"vba":   true,
	"mb":    true, // covered by "mbbank"; "mb" alone is megabytes
	"bab":   true,
	"abb":   true, // ABB the engineering firm
	"icb":   true,
	"ivb":   true,
	"vab":   true,
	"eib":   true,
	"klb":   true,
	"wvn":   true,
	"vccb":  true,
	"ubank": true,
	"woori": true,
	"timo":  true,
	"sacom": true, // Sacomreal and other Sacom companies; "sacombank" stays
}

// primary is the domain reported for the brand, "" when it has none.
func (b Brand) primary() string {
	if len(b.Domains) == 0 {
		return ""
	}
	return b.Domains[0]
}

// otherBrands are the non-bank organisations most imitated in Vietnamese
// scams: wallets and payment networks, marketplaces, public services. The
// extra official domains of banks that the bank table does not list are
// here too, so that they are not flagged as imitations of themselves.
var otherBrands = []Brand{
	{Name: "MoMo", Domains: []string{"momo.vn"}, Tokens: []string{"momo"}},
	{Name: "ZaloPay", Domains: []string{"zalopay.vn"}, Tokens: []string{"zalopay"}},
	{Name: "Zalo", Domains: []string{"zalo.me"}, Tokens: []string{"zalo"}},
	{Name: "VNPAY", Domains: []string{"vnpay.vn"}, Tokens: []string{"vnpay"}},
	{Name: "NAPAS", Domains: []string{"napas.com.vn"}, Tokens: []string{"napas"}},
	{Name: "Shopee", Domains: []string{"shopee.vn", "shopeepay.vn"}, Tokens: []string{"shopee"}},
	{Name: "Lazada", Domains: []string{"lazada.vn"}, Tokens: []string{"lazada"}},
	{Name: "Tiki", Domains: []string{"tiki.vn"}, Tokens: []string{"tiki"}},
	{Name: "Viettel", Domains: []string{"viettel.vn", "viettel.com.vn"}, Tokens: []string{"viettel"}},
	{Name: "Bộ Công an", Domains: []string{"bocongan.gov.vn"}, Tokens: []string{"bocongan"}},
	{Name: "Cổng Dịch vụ công", Domains: []string{"dichvucong.gov.vn"}, Tokens: []string{"dichvucong"}},
	{Name: "Bảo hiểm xã hội", Domains: []string{"baohiemxahoi.gov.vn"}, Tokens: []string{"baohiemxahoi"}},
	{Name: "Ngân hàng Nhà nước", Domains: []string{"sbv.gov.vn"}},
	{Name: "Chính phủ", Domains: []string{"chinhphu.vn"}},
	{Name: "Vietcombank", Domains: []string{"vietcombank.com.vn"}},
	{Name: "Techcombank", Domains: []string{"techcombank.com", "techcombank.com.vn"}},
	{Name: "Sacombank", Domains: []string{"sacombank.com.vn", "sacombank.com", "isacombank.com.vn"}},
	{Name: "LPBank", Domains: []string{"lpbank.com.vn", "lienvietpostbank.com.vn"}},
	{Name: "BVBank", Domains: []string{"bvbank.net.vn", "vietcapitalbank.com.vn"}},
}

// DefaultBrands returns the brands of the embedded bank table
// (indicators.DefaultBanks) followed by otherBrands. Where both name the
// same organisation their domains and tokens simply add up.
func DefaultBrands() []Brand {
	out := BankBrands(indicators.DefaultBanks())
	for _, b := range otherBrands {
		out = append(out, Brand{
			Name:    b.Name,
			Domains: append([]string(nil), b.Domains...),
			Tokens:  append([]string(nil), b.Tokens...),
		})
	}
	return out
}

// DefaultTrustedSuffixes are suffix rules: every host under them is
// official (only the state registers names there).
var DefaultTrustedSuffixes = []string{"gov.vn"}

// DefaultFreeHosts are site builders and free hosts whose customers get a
// subdomain; a bank name there is never the bank's own site.
// sites.google.com puts the customer in the path and is out of scope.
var DefaultFreeHosts = []string{
	"weebly.com", "webflow.io", "wixsite.com", "blogspot.com", "github.io",
	"vercel.app", "netlify.app", "pages.dev", "firebaseapp.com", "web.app",
	"glitch.me", "000webhostapp.com", "herokuapp.com", "wordpress.com",
	"square.site", "mystrikingly.com", "azurewebsites.net", "repl.co",
	"surge.sh", "onrender.com", "godaddysites.com", "yolasite.com",
	"weeblysite.com", "framer.website", "ngrok.io", "ngrok-free.app",
}

// lureWords are the words phishing hosts put next to a short bank code
// ("vcb-online", "acb.vn-banking", "shbfinance"). A code of three letters
// or fewer counts only beside one of them, or glued to one.
var lureWords = map[string]bool{
	"bank": true, "banking": true, "ebank": true, "ebanking": true,
	"ibank": true, "ibanking": true, "online": true, "onl": true,
	"vn": true, "vietnam": true, "app": true, "mobile": true,
	"login": true, "secure": true, "verify": true, "vip": true,
	"card": true, "the": true, "vay": true, "finance": true, "fin": true,
	"pay": true, "digital": true, "smart": true, "my": true, "new": true,
	"hotro": true, "dichvu": true, "khachhang": true, "taikhoan": true,
	"otp": true, "cskh": true, "support": true, "service": true,
	"uudai": true, "khuyenmai": true, "quatang": true, "tindung": true,
	"hanmuc": true, "nanghanmuc": true, "web": true, "digibank": true,
	"tructuyen": true, "nganhang": true, "chanle": true, "cl": true,
	"cltx": true, "update": true, "auth": true, "portal": true,
	"ctv": true, "shop": true, "club": true, "plus": true,
}
