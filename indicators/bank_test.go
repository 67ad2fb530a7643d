package indicators_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/scamcheck/scamcheck/indicators"
)

var bankKeyGrammar = regexp.MustCompile(`^bank_account:[0-9]{6}:[0-9]{6,19}$`)

func TestBankAccountVectors(t *testing.T) {
	for _, v := range readVectorFile(t, "bank.json") {
		name := v.Input
		if v.Input == "" && (v.Bank != "" || v.Account != "") {
			name = v.Bank + " | " + v.Account
		}
		t.Run(name, func(t *testing.T) {
			var (
				got  indicators.Key
				err  error
				call string
			)
			if v.Bank != "" || v.Account != "" {
				got, err = indicators.NormalizeBankAccount(v.Bank, v.Account)
				call = fmt.Sprintf("NormalizeBankAccount(%q, %q)", v.Bank, v.Account)
			} else {
				got, err = indicators.ParseBankAccount(v.Input)
				call = fmt.Sprintf("ParseBankAccount(%q)", v.Input)
			}
			if v.Error != "" {
				if err == nil {
					t.Fatalf("%s = %q, want error %s", call, got, v.Error)
				}
				if !errors.Is(err, indicators.ErrInvalidInput) {
					t.Errorf("%s error %v does not match ErrInvalidInput", call, err)
				}
				if code := indicators.ErrorCode(err); code != v.Error {
					t.Errorf("%s error code = %q (%v), want %q", call, code, err, v.Error)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s error %v, want %q", call, err, v.Key)
			}
			if string(got) != v.Key {
				t.Errorf("%s = %q, want %q", call, got, v.Key)
			}
			checkBankKey(t, got)
		})
	}
}

// checkBankKey checks a key's grammar and that every way back in gives it
// again: its parts, its value as free text, and ParseKey.
func checkBankKey(t *testing.T, k indicators.Key) {
	t.Helper()
	if !bankKeyGrammar.MatchString(string(k)) {
		t.Fatalf("key %q does not match %s", k, bankKeyGrammar)
	}
	bin, digits, _ := strings.Cut(k.Value(), ":")
	if again, err := indicators.NormalizeBankAccount(bin, digits); err != nil || again != k {
		t.Errorf("NormalizeBankAccount(%q, %q) = %q, %v; want the fixed point %q", bin, digits, again, err, k)
	}
	if again, err := indicators.ParseBankAccount(k.Value()); err != nil || again != k {
		t.Errorf("ParseBankAccount(%q) = %q, %v; want the fixed point %q", k.Value(), again, err, k)
	}
	if again, err := indicators.ParseKey(string(k)); err != nil || again != k {
		t.Errorf("ParseKey(%q) = %q, %v", k, again, err)
	}
}

// TestEmbeddedBankTable checks the shipped table: it loads, it holds the
// banks people name most, and every name it gives a bank finds that bank
// (a name that finds another bank, or none, would be a silent data bug).
func TestEmbeddedBankTable(t *testing.T) {
	tbl := indicators.DefaultBanks()
	all := tbl.All()
	if len(all) < 60 {
		t.Errorf("embedded table has %d banks, want at least 60", len(all))
	}
	for _, b := range all {
		names := append([]string{b.BIN, b.Code, b.ShortName, b.NameVI, b.NameEN}, b.Aliases...)
		for _, n := range names {
			if n == "" {
				continue
			}
			for _, form := range []string{n, strings.ToUpper(n), strings.ToLower(n)} {
				got, ok := tbl.Lookup(form)
				if !ok || got.BIN != b.BIN {
					t.Errorf("Lookup(%q) = %s, %v; want %s (%s)", form, got.BIN, ok, b.BIN, b.Code)
				}
			}
		}
		if got, ok := tbl.ByBIN(b.BIN); !ok || got.Code != b.Code {
			t.Errorf("ByBIN(%q) = %+v, %v", b.BIN, got, ok)
		}
	}
	// The BINs of the banks most reports name, checked against the VietQR
	// list (see testdata/banks/README.md).
	want := map[string]string{
		"VCB": "970436", "ICB": "970415", "BIDV": "970418", "VBA": "970405", "TCB": "970407",
		"MB": "970422", "ACB": "970416", "VPB": "970432", "TPB": "970423", "STB": "970403",
		"SHB": "970443", "VIB": "970441", "HDB": "970437", "OCB": "970448", "MSB": "970426",
		"SCB": "970429", "SEAB": "970440", "LPB": "970449", "EIB": "970431", "NAB": "970428",
		"BAB": "970409", "TIMO": "963388", "CAKE": "546034", "VTLMONEY": "971005",
	}
	for code, bin := range want {
		if got, ok := tbl.Lookup(code); !ok || got.BIN != bin {
			t.Errorf("Lookup(%q) = %s, %v; want BIN %s", code, got.BIN, ok, bin)
		}
	}
}

func TestBankLookupForms(t *testing.T) {
	tests := []struct {
		in, bin string // bin "" means no match
	}{
		{"vietcombank", "970436"},
		{"  Vietcombank  ", "970436"},
		{"Viet-com-bank", "970436"},
		{"NH Vietcombank", "970436"},
		{"Vietcombank Việt Nam", "970436"},
		{"NGÂN HÀNG NGOẠI THƯƠNG", "970436"},
		{"Ngan hang TMCP Ngoai Thuong", "970436"},
		{"Ngân hàng TMCP Ngoại Thương Việt Nam", "970436"},
		{norm.NFD.String("Ngân hàng TMCP Ngoại Thương Việt Nam"), "970436"}, // decomposed input, as macOS produces
		{"Đầu tư và Phát triển", "970418"},
		{"dau tu va phat trien", "970418"},
		{"ĐÔNG Á", "970406"},
		{"Vikki", "970406"},
		{"Techcom Bank", "970407"},
		{"VIB Bank", "970441"},
		{"Shinhan", "970424"},
		{"ViettelPay", "971005"},
		{"MoMo", "971025"},
		{"Sài Gòn", ""}, // SCB and Saigonbank both: ambiguous, so neither
		{"Việt Nam", ""},
		{"Ngân hàng", ""},
		{"Bank", ""},
		{"", ""},
		{"12345", ""},
	}
	tbl := indicators.DefaultBanks()
	for _, tt := range tests {
		got, ok := tbl.Lookup(tt.in)
		if tt.bin == "" {
			if ok {
				t.Errorf("Lookup(%q) = %s (%s), want no match", tt.in, got.BIN, got.Code)
			}
			continue
		}
		if !ok || got.BIN != tt.bin {
			t.Errorf("Lookup(%q) = %q, %v; want %s", tt.in, got.BIN, ok, tt.bin)
		}
	}
}

func TestLoadBanksErrors(t *testing.T) {
	const header = "bin,code,short_name,name_vi,name_en,aliases,website\n"
	const vcb = "970436,VCB,Vietcombank,Ngân hàng TMCP Ngoại Thương Việt Nam,Foreign Trade Bank,,\n"
	tests := []struct {
		name, csv, want string
	}{
		{"empty", "", "header"},
		{"wrong header", "bin,code,name\n", "header"},
		{"no banks", header, "no banks"},
		{"short BIN", header + "97043,VCB,Vietcombank,Ngân hàng,,,\n", "line 2: BIN \"97043\" is not 6 digits"},
		{"letters in BIN", header + vcb + "97043X,ACB,ACB,Ngân hàng Á Châu,,,\n", "line 3: BIN \"97043X\" is not 6 digits"},
		{"duplicate BIN", header + vcb + "970436,ACB,ACB,Ngân hàng Á Châu,,,\n", "line 3: BIN 970436 already belongs to VCB"},
		{"duplicate code", header + vcb + "970416,vcb,ACB,Ngân hàng Á Châu,,,\n", "line 3: BIN 970416: name \"vcb\" is already a name of VCB"},
		{"alias clash", header + vcb + "970416,ACB,ACB,Ngân hàng Á Châu,,Viet Com Bank,\n", "line 3: BIN 970416: name \"Viet Com Bank\""},
		{"missing name", header + "970436,VCB,Vietcombank,,,,\n", "line 2: BIN 970436: code, short_name and name_vi are required"},
		{"wrong field count", header + "970436,VCB\n", "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := indicators.LoadBanks(strings.NewReader(tt.csv))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadBanks error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestSetBanks swaps in an operator's table and back.
func TestSetBanks(t *testing.T) {
	const custom = "bin,code,short_name,name_vi,name_en,aliases,website\n" +
		"999001,TEST,TestBank,Ngân hàng Thử nghiệm,Test Bank,Thu Nghiem,\n"
	tbl, err := indicators.LoadBanks(strings.NewReader(custom))
	if err != nil {
		t.Fatal(err)
	}
	indicators.SetBanks(tbl)
	t.Cleanup(func() { indicators.SetBanks(nil) })

	if got := indicators.DefaultBanks(); got != tbl {
		t.Fatalf("DefaultBanks() = %p after SetBanks(%p)", got, tbl)
	}
	if k, err := indicators.NormalizeBankAccount("thu nghiem", "123456789"); err != nil || k != "bank_account:999001:123456789" {
		t.Errorf("NormalizeBankAccount with the custom table = %q, %v", k, err)
	}
	if _, err := indicators.NormalizeBankAccount("VCB", "123456789"); indicators.ErrorCode(err) != indicators.CodeUnknownBank {
		t.Errorf("VCB is not in the custom table, got error %v", err)
	}
	indicators.SetBanks(nil)
	if k, err := indicators.NormalizeBankAccount("VCB", "123456789"); err != nil || k != "bank_account:970436:123456789" {
		t.Errorf("after SetBanks(nil): %q, %v", k, err)
	}
}

func TestBankTableAllIsACopy(t *testing.T) {
	tbl := indicators.DefaultBanks()
	all := tbl.All()
	for i := range all {
		all[i].BIN = "000000"
		if len(all[i].Aliases) > 0 {
			all[i].Aliases[0] = "changed"
		}
	}
	for _, b := range tbl.All() {
		if b.BIN == "000000" || (len(b.Aliases) > 0 && b.Aliases[0] == "changed") {
			t.Fatalf("All() shares memory with the table: %+v", b)
		}
	}
}

func TestSplitBankAccount(t *testing.T) {
	b, acct, ok := indicators.SplitBankAccount("STK 0011 0043 53201 ngân hàng Vietcombank")
	if !ok || b.BIN != "970436" || b.Code != "VCB" || acct != "0011004353201" {
		t.Errorf("SplitBankAccount = %+v, %q, %v", b, acct, ok)
	}
	for _, s := range []string{"0011004353201", "hello world", "Vietcombank", ""} {
		if b, acct, ok := indicators.SplitBankAccount(s); ok {
			t.Errorf("SplitBankAccount(%q) = %s, %q, true; want false", s, b.Code, acct)
		}
	}
}

// TestBankReports runs the synthetic reports through NormalizeBankAccount
// (bank and account columns) and ParseBankAccount (the two joined, as a
// citizen would type them in one box); both must agree.
func TestBankReports(t *testing.T) {
	rows, err := readReportColumns(filepath.Join(reportsDir, "accounts-reported.csv"), "bank", "account")
	if err != nil {
		t.Skipf("synthetic reports not available: %v", err)
	}
	accepted := 0
	codes := map[string]int{}
	for _, r := range rows {
		k, err := indicators.NormalizeBankAccount(r[0], r[1])
		if err != nil {
			codes[indicators.ErrorCode(err)]++
			continue
		}
		accepted++
		checkBankKey(t, k)
		for _, text := range []string{r[0] + " " + r[1], r[1] + " " + r[0], "STK " + r[1] + " ngân hàng " + r[0]} {
			if p, err := indicators.ParseBankAccount(text); err != nil || p != k {
				t.Errorf("ParseBankAccount(%q) = %q, %v; NormalizeBankAccount gave %q", text, p, err, k)
			}
		}
	}
	frac := float64(accepted) / float64(len(rows))
	t.Logf("accepted %d of %d (%.2f%%); rejected by code: %v", accepted, len(rows), 100*frac, codes)
	if frac <= 0.95 {
		t.Errorf("accepted %.2f%% of reported accounts, want > 95%%", 100*frac)
	}
	if frac == 1 {
		t.Errorf("accepted every row, but the generator writes malformed rows on purpose")
	}
}

// TestEmbeddedTableMatchesShippedCSV guards against the embedded table and
// the file operators copy and edit drifting apart.
func TestEmbeddedTableMatchesShippedCSV(t *testing.T) {
	f, err := os.Open("banks.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tbl, err := indicators.LoadBanks(f)
	if err != nil {
		t.Fatalf("LoadBanks(banks.csv): %v", err)
	}
	if got, want := len(tbl.All()), len(indicators.DefaultBanks().All()); got != want {
		t.Errorf("banks.csv has %d banks, the embedded table %d", got, want)
	}
}

func FuzzNormalizeBankAccount(f *testing.F) {
	for _, v := range readVectorFile(f, "bank.json") {
		if v.Bank != "" || v.Account != "" {
			f.Add(v.Bank, v.Account)
		}
	}
	arena := indicators.NewKeyArena(4)
	f.Fuzz(func(t *testing.T, bank, account string) {
		k, err := indicators.NormalizeBankAccount(bank, account)
		if ka, aerr := indicators.NormalizeBankAccountIn(bank, account, arena); ka != k || (aerr == nil) != (err == nil) {
			t.Errorf("NormalizeBankAccountIn(%q, %q) = %q, %v; NormalizeBankAccount %q, %v", bank, account, ka, aerr, k, err)
		}
		if err != nil {
			if !errors.Is(err, indicators.ErrInvalidInput) {
				t.Fatalf("NormalizeBankAccount(%q, %q) error %v is not an input error", bank, account, err)
			}
			return
		}
		fuzzCheckBankKey(t, k)
	})
}

func FuzzParseBankAccount(f *testing.F) {
	for _, v := range readVectorFile(f, "bank.json") {
		if v.Input != "" {
			f.Add(v.Input)
		} else {
			f.Add(v.Bank + " " + v.Account)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := indicators.ParseBankAccount(s)
		b, acct, ok := indicators.SplitBankAccount(s)
		if ok != (err == nil) {
			t.Fatalf("SplitBankAccount(%q) ok = %v, ParseBankAccount error %v", s, ok, err)
		}
		if err != nil {
			if !errors.Is(err, indicators.ErrInvalidInput) {
				t.Fatalf("ParseBankAccount(%q) error %v is not an input error", s, err)
			}
			return
		}
		if want := "bank_account:" + b.BIN + ":" + acct; string(k) != want {
			t.Fatalf("ParseBankAccount(%q) = %q, SplitBankAccount gives %q", s, k, want)
		}
		fuzzCheckBankKey(t, k)
	})
}

func fuzzCheckBankKey(t *testing.T, k indicators.Key) {
	t.Helper()
	if !bankKeyGrammar.MatchString(string(k)) {
		t.Fatalf("key %q does not match %s", k, bankKeyGrammar)
	}
	bin, digits, _ := strings.Cut(k.Value(), ":")
	if again, err := indicators.NormalizeBankAccount(bin, digits); err != nil || again != k {
		t.Fatalf("NormalizeBankAccount(%q, %q) = %q, %v; want the fixed point %q", bin, digits, again, err, k)
	}
	if again, err := indicators.ParseBankAccount(k.Value()); err != nil || again != k {
		t.Fatalf("ParseBankAccount(%q) = %q, %v; want the fixed point %q", k.Value(), again, err, k)
	}
}

var bankBenchInputs = [][2]string{
	{"Vietcombank", "0011 0043 53201"}, {"VCB", "0011004353201"}, {"970436", "0011004353201"},
	{"MB Bank", "0912345678"}, {"Ngân hàng TMCP Á Châu", "123456789"}, {"ocb", "13174199"},
}

func BenchmarkNormalizeBankAccount(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		in := bankBenchInputs[i%len(bankBenchInputs)]
		_, _ = indicators.NormalizeBankAccount(in[0], in[1])
		i++
	}
}

func BenchmarkParseBankAccount(b *testing.B) {
	inputs := []string{
		"VCB 0011004353201", "Vietcombank: 0011 0043 53201", "STK 0011004353201 ngân hàng Vietcombank",
		"970436:0011004353201", "Ngân hàng Á Châu 123456789", "tk 19036543210123 techcombank",
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_, _ = indicators.ParseBankAccount(inputs[i%len(inputs)])
		i++
	}
}
