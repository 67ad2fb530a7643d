package indicators

// A bank account's key is the bank's NAPAS BIN and the account digits:
//
//	bank "Ngân hàng Ngoại thương", account "0011 0043 53201"
//	  → bank name folded to "nganhangngoaithuong" → core "ngoaithuong" → VCB, BIN 970436
//	  → account digits "0011004353201" (leading zeros kept: they are part of the number)
//	  → key "bank_account:970436:0011004353201"
//
// The BIN, not the name, identifies the bank because it is what transfers,
// VietQR codes and the banks' own systems use, and names change (LienVietPostBank
// became LPBank, Oceanbank became MBV) while BINs stay.
//
// Bank names are matched after folding: lower case, diacritics removed, đ→d,
// everything but letters and digits dropped ("Viet Com Bank" → "vietcombank").
// A name matches when its fold equals the fold of a BIN, code, short name,
// Vietnamese or English name or alias in the table, or — second chance — when
// both reduce to the same core once the words that every bank shares are
// stripped: leading "Ngân hàng", "NH", "TMCP", "Thương mại", "TNHH", "MTV",
// "Một thành viên", "Cổ phần", "số", and trailing "Việt Nam", "VN", "Bank",
// "Commercial Joint Stock Bank" and the like. A core that two banks share
// is ambiguous and matches neither.

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Account numbers in Vietnam are 6 to 19 digits (see
// /work/shared/data/README.md; NAPAS and VietQR accept the same range), and
// banks let customers pick long "beautiful" numbers, often their phone number.
const (
	minAccountDigits = 6
	maxAccountDigits = 19
)

// Bank is one row of the bank table: a bank or e-wallet reachable through
// NAPAS 247 / VietQR.
type Bank struct {
	BIN       string   // NAPAS bank identification number, 6 digits; the key part
	Code      string   // VietQR code, e.g. "VCB", "ICB"
	ShortName string   // short brand name, e.g. "Vietcombank"
	NameVI    string   // full Vietnamese name
	NameEN    string   // full English name
	Aliases   []string // other names people type, former names included
	Website   string   // official site, "" when unsure
}

// BankTable resolves the many names of Vietnamese banks to their BIN. It is
// immutable once built, so one table may be shared by any number of
// goroutines.
type BankTable struct {
	banks []Bank
	byBIN map[string]int
	// byName maps the fold of every BIN, code, short name, full name and
	// alias to its bank's index. These are what the table says, so a clash
	// between two banks is an error when loading.
	byName map[string]int
	// byCore maps derived cores (names with their common words stripped) to
	// a bank index, or to ambiguousBank when two banks share a core.
	byCore map[string]int
}

const ambiguousBank = -1

// minCoreLen keeps derived cores that are too short to mean one bank ("a",
// "mb") out of the core index; such names match only when the table lists
// them explicitly.
const minCoreLen = 3

var bankHeader = []string{"bin", "code", "short_name", "name_vi", "name_en", "aliases", "website"}

// LoadBanks reads a bank table in CSV with the header
// bin,code,short_name,name_vi,name_en,aliases,website (aliases separated by
// '|'). It checks that every BIN has 6 digits, that BINs and codes are
// unique, and that no name the table lists belongs to two banks; errors name
// the line.
func LoadBanks(r io.Reader) (*BankTable, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(bankHeader)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("bank table header: %w", err)
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	if !slices.Equal(header, bankHeader) {
		return nil, fmt.Errorf("bank table line 1: header is %q, want %q", header, bankHeader)
	}
	t := &BankTable{
		byBIN:  make(map[string]int),
		byName: make(map[string]int),
		byCore: make(map[string]int),
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("bank table: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if err := t.add(rec); err != nil {
			return nil, fmt.Errorf("bank table line %d: %w", line, err)
		}
	}
	if len(t.banks) == 0 {
		return nil, errors.New("bank table has no banks")
	}
	t.indexCores()
	return t, nil
}

// add validates one record and indexes its explicit names.
func (t *BankTable) add(rec []string) error {
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	b := Bank{BIN: rec[0], Code: rec[1], ShortName: rec[2], NameVI: rec[3], NameEN: rec[4], Website: rec[6]}
	if len(b.BIN) != 6 || strings.Trim(b.BIN, "0123456789") != "" {
		return fmt.Errorf("BIN %q is not 6 digits", b.BIN)
	}
	if b.Code == "" || b.ShortName == "" || b.NameVI == "" {
		return fmt.Errorf("BIN %s: code, short_name and name_vi are required", b.BIN)
	}
	if i, dup := t.byBIN[b.BIN]; dup {
		return fmt.Errorf("BIN %s already belongs to %s", b.BIN, t.banks[i].Code)
	}
	for a := range strings.SplitSeq(rec[5], "|") {
		if a = strings.TrimSpace(a); a != "" {
			b.Aliases = append(b.Aliases, a)
		}
	}
	idx := len(t.banks)
	for _, name := range b.names() {
		f := foldName(name)
		if f == "" {
			return fmt.Errorf("BIN %s: name %q has no letters or digits", b.BIN, name)
		}
		if j, ok := t.byName[f]; ok && j != idx {
			return fmt.Errorf("BIN %s: name %q is already a name of %s (%s)", b.BIN, name, t.banks[j].Code, t.banks[j].BIN)
		}
		t.byName[f] = idx
	}
	t.byBIN[b.BIN] = idx
	t.banks = append(t.banks, b)
	return nil
}

// names lists every name the table gives the bank, BIN first.
func (b *Bank) names() []string {
	names := []string{b.BIN, b.Code, b.ShortName, b.NameVI}
	if b.NameEN != "" {
		names = append(names, b.NameEN)
	}
	return append(names, b.Aliases...)
}

// indexCores derives the cores of every name once all explicit names are
// known, so that an explicit name always wins over another bank's core.
func (t *BankTable) indexCores() {
	for i := range t.banks {
		for _, name := range t.banks[i].names() {
			core := strings.Join(stripCommonWords(foldWords(name)), "")
			if len(core) < minCoreLen {
				continue
			}
			if j, ok := t.byName[core]; ok && j != i {
				continue
			}
			if j, ok := t.byCore[core]; ok && j != i {
				t.byCore[core] = ambiguousBank
				continue
			}
			t.byCore[core] = i
		}
	}
}

// Lookup finds the bank that s names: its BIN, code, short name, English or
// Vietnamese name or an alias, in any case, with or without diacritics,
// ignoring spaces and punctuation, and with or without the words all banks
// share ("Ngân hàng TMCP", "Bank", "Việt Nam").
func (t *BankTable) Lookup(s string) (Bank, bool) {
	if len(s) > MaxInputLen {
		return Bank{}, false
	}
	var scratch [64]byte
	if f, ok := foldASCII(s, scratch[:0]); ok {
		// The common case (a code, short name or BIN typed in ASCII) needs
		// no allocation: the map lookup converts f without copying.
		if i, ok := t.byName[string(f)]; ok {
			return t.banks[i], true
		}
	}
	i, ok := t.lookupWords(foldWords(s))
	if !ok {
		return Bank{}, false
	}
	return t.banks[i], true
}

// lookupWords resolves a name already folded into words.
func (t *BankTable) lookupWords(words []string) (int, bool) {
	if len(words) == 0 {
		return 0, false
	}
	full := strings.Join(words, "")
	if i, ok := t.byName[full]; ok {
		return i, true
	}
	if i, ok := t.byCore[full]; ok {
		return i, i != ambiguousBank
	}
	stripped := stripCommonWords(words)
	if len(stripped) == len(words) || len(stripped) == 0 {
		return 0, false
	}
	core := strings.Join(stripped, "")
	if i, ok := t.byName[core]; ok {
		return i, true
	}
	if i, ok := t.byCore[core]; ok {
		return i, i != ambiguousBank
	}
	return 0, false
}

// ByBIN returns the bank with the given BIN.
func (t *BankTable) ByBIN(bin string) (Bank, bool) {
	i, ok := t.byBIN[bin]
	if !ok {
		return Bank{}, false
	}
	return t.banks[i], true
}

// All returns a copy of every bank in table order.
func (t *BankTable) All() []Bank {
	out := make([]Bank, len(t.banks))
	for i, b := range t.banks {
		b.Aliases = slices.Clone(b.Aliases)
		out[i] = b
	}
	return out
}

// banksCSV is the bank table shipped in the binary; testdata/banks/README.md
// says where it comes from and how to update it.
//
//go:embed banks.csv
var banksCSV []byte

var (
	defaultBanksOnce sync.Once
	embeddedBanks    *BankTable
	// currentBanks is the table the package-level functions use. It is an
	// atomic pointer so that SetBanks can swap it while lookups run.
	currentBanks atomic.Pointer[BankTable]
)

func loadEmbeddedBanks() *BankTable {
	defaultBanksOnce.Do(func() {
		t, err := LoadBanks(bytes.NewReader(banksCSV))
		if err != nil {
			// The embedded table is checked by the tests; a broken one is a
			// build defect, not a runtime condition.
			panic("indicators: embedded banks.csv: " + err.Error())
		}
		embeddedBanks = t
	})
	return embeddedBanks
}

// DefaultBanks returns the bank table that NormalizeBankAccount and
// ParseBankAccount use: the one embedded in the binary, or the one last
// given to SetBanks.
func DefaultBanks() *BankTable {
	if t := currentBanks.Load(); t != nil {
		return t
	}
	return loadEmbeddedBanks()
}

// SetBanks replaces the bank table used by the package-level functions; nil
// restores the embedded table. It is safe to call while lookups run, but
// keys already computed are not revised, so an operator should load an
// updated table (for example with LoadBanks from a file named by a flag) at
// start-up, before serving or importing. Removing a bank from the table makes
// its stored keys fail ParseKey.
func SetBanks(t *BankTable) { currentBanks.Store(t) }

// NormalizeBankAccount returns the key "bank_account:<BIN>:<digits>" for a
// bank named in any form Lookup accepts and an account number written with
// spaces, dots, dashes or full-width digits. Leading zeros are kept: they are
// part of the number.
//
// Errors are *InputError with CodeMissingBank (bank empty), CodeUnknownBank,
// CodeEmpty (account empty), CodeInvalidAccount (letters, other symbols, or
// not 6–19 digits) or CodeTooLong. NormalizeBankAccount(bin, digits) of a
// key's own parts returns the same key.
func NormalizeBankAccount(bank, account string) (Key, error) {
	return NormalizeBankAccountIn(bank, account, nil)
}

// NormalizeBankAccountIn is NormalizeBankAccount making the key in a (when
// not nil), as ParseAsIn does for phone numbers.
func NormalizeBankAccountIn(bank, account string, a *KeyArena) (Key, error) {
	if len(bank) > MaxInputLen || len(account) > MaxInputLen {
		return "", inputErr(CodeTooLong, "input longer than %d bytes", MaxInputLen)
	}
	if strings.TrimFunc(bank, isPhoneSpace) == "" {
		return "", inputErr(CodeMissingBank, "no bank given")
	}
	b, ok := DefaultBanks().Lookup(bank)
	if !ok {
		return "", inputErr(CodeUnknownBank, "unknown bank %q", truncate(bank, 80))
	}
	var scratch [maxAccountDigits]byte
	digits, err := cleanAccount(account, scratch[:0])
	if err != nil {
		return "", err
	}
	return bankAccountKey(b.BIN, digits, a), nil
}

// bankAccountKey builds the key with a single allocation, or none in a.
func bankAccountKey(bin string, digits []byte, a *KeyArena) Key {
	const prefix = string(KindBankAccount) + ":"
	var buf [len(prefix) + 6 + 1 + maxAccountDigits]byte
	n := copy(buf[:], prefix)
	n += copy(buf[n:], bin)
	buf[n] = ':'
	n++
	n += copy(buf[n:], digits)
	if a != nil {
		return Key(a.make(buf[:n]))
	}
	return Key(buf[:n])
}

// cleanAccount maps an account number to ASCII digits, dropping the spaces,
// dots and dashes people group digits with.
func cleanAccount(s string, buf []byte) ([]byte, error) {
	s = strings.TrimFunc(s, isPhoneSpace)
	if s == "" {
		return nil, inputErr(CodeEmpty, "no account number given")
	}
	n := 0
	for _, r := range s {
		var d byte
		switch {
		case r >= '0' && r <= '9':
			d = byte(r)
		case r == '.' || r == '-' || isPhoneSpace(r) || (r >= utf8.RuneSelf && unicode.Is(unicode.Pd, r)):
			continue
		default:
			var ok bool
			if d, ok = unicodeDigit(r); !ok {
				if unicode.IsLetter(r) {
					return nil, inputErr(CodeInvalidAccount, "an account number has only digits")
				}
				return nil, inputErr(CodeInvalidAccount, "unexpected %q in an account number", r)
			}
		}
		if n == maxAccountDigits {
			return nil, inputErr(CodeInvalidAccount, "an account number has at most %d digits", maxAccountDigits)
		}
		buf = append(buf, d)
		n++
	}
	if n < minAccountDigits {
		return nil, inputErr(CodeInvalidAccount, "an account number has at least %d digits", minAccountDigits)
	}
	return buf, nil
}

// ParseBankAccount finds a bank and an account number in free text, in the
// forms people type: "VCB 0011004353201", "Vietcombank: 0011 0043 53201",
// "0011004353201 Vietcombank", "STK 0011004353201 ngân hàng Vietcombank",
// "Ngân hàng Á Châu 123456789", "970436 0011004353201", and the key forms
// "970436:0011004353201" and "bank_account:970436:0011004353201" (a fixed
// point). Words that are not a bank name (a holder's name, "STK", "tk") are
// ignored.
//
// Errors are *InputError: CodeInvalidAccount when there is no number of 6–19
// digits or more than one; CodeMissingBank when no known bank is named (free
// text cannot tell an unknown bank's name from other words);
// CodeUnknownBank when the text names two different banks, or when the key
// form's BIN is not in the table; CodeEmpty; CodeTooLong.
func ParseBankAccount(s string) (Key, error) {
	return parseBankAccountIn(s, nil)
}

// parseBankAccountIn is ParseBankAccount making the key in a (when not nil).
func parseBankAccountIn(s string, a *KeyArena) (Key, error) {
	b, digits, err := splitBankAccount(s)
	if err != nil {
		return "", err
	}
	return bankAccountKey(b.BIN, []byte(digits), a), nil
}

// SplitBankAccount is ParseBankAccount's parts: the bank the text names and
// the account digits. An auto-detector can use it to decide whether text
// names a bank account at all before committing to the bank_account kind.
func SplitBankAccount(s string) (bank Bank, account string, ok bool) {
	b, digits, err := splitBankAccount(s)
	return b, digits, err == nil
}

// maxBankWords bounds the words ParseBankAccount considers (the longest bank
// name has 11 words, "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt
// Nam"), and maxBankTextWords the words in the whole text, so that the
// window search stays cheap on pasted paragraphs.
const (
	maxBankWords     = 12
	maxBankTextWords = 40
	// maxFoldedNameLen is longer than any folded name in the table (the
	// longest, BIDV's English name, folds to 60 letters); longer windows
	// are not looked up at all.
	maxFoldedNameLen = 96
)

// bankTextItem is a run of words or of digit groups in free text.
type bankTextItem struct {
	words  []string // folded words, for a word run
	groups []string // ASCII digit groups, for a number run
}

func splitBankAccount(s string) (Bank, string, error) {
	if len(s) > MaxInputLen {
		return Bank{}, "", inputErr(CodeTooLong, "input longer than %d bytes", MaxInputLen)
	}
	s = strings.TrimFunc(s, isPhoneSpace)
	if s == "" {
		return Bank{}, "", inputErr(CodeEmpty, "nothing to check")
	}
	table := DefaultBanks()
	if bin, acct, ok := keyValueForm(s); ok {
		k, err := NormalizeBankAccount(bin, acct)
		if err != nil {
			return Bank{}, "", err
		}
		b, _ := table.ByBIN(bin)
		return b, k.Value()[len(bin)+1:], nil
	}
	items, err := scanBankText(s)
	if err != nil {
		return Bank{}, "", err
	}

	// The bank named in words, if any.
	named := -1
	for _, it := range items {
		if it.words == nil {
			continue
		}
		for _, i := range table.matchWords(it.words) {
			if named >= 0 && named != i {
				return Bank{}, "", inputErr(CodeUnknownBank, "the text names two banks (%s and %s)", table.banks[named].ShortName, table.banks[i].ShortName)
			}
			named = i
		}
	}

	// The account: the one number of 6–19 digits. A number run may also
	// carry the BIN as its first or last group ("970436 0011004353201"),
	// and a lone 6-digit known BIN elsewhere may name the bank.
	var accounts []string
	binBank := -1
	tooLong := false
	for _, it := range items {
		if it.groups == nil {
			continue
		}
		acct, bin := splitNumberRun(table, it.groups, named)
		switch {
		case acct == "" && bin >= 0:
			binBank = bin
		case acct == "":
			tooLong = tooLong || totalLen(it.groups) > maxAccountDigits
		default:
			accounts = append(accounts, acct)
			if bin >= 0 {
				if binBank >= 0 && binBank != bin {
					return Bank{}, "", inputErr(CodeUnknownBank, "the text names two banks by BIN")
				}
				binBank = bin
			}
		}
	}
	// A lone BIN is a bank only when another number is the account.
	if len(accounts) == 0 && binBank >= 0 {
		accounts = append(accounts, table.banks[binBank].BIN)
		binBank = -1
	}
	switch {
	case len(accounts) == 0 && tooLong:
		return Bank{}, "", inputErr(CodeInvalidAccount, "an account number has at most %d digits", maxAccountDigits)
	case len(accounts) == 0:
		return Bank{}, "", inputErr(CodeInvalidAccount, "no account number of %d to %d digits", minAccountDigits, maxAccountDigits)
	case len(accounts) > 1:
		return Bank{}, "", inputErr(CodeInvalidAccount, "more than one number could be the account")
	}
	bank := named
	if bank < 0 {
		bank = binBank
	} else if binBank >= 0 && binBank != bank {
		return Bank{}, "", inputErr(CodeUnknownBank, "the bank name and the BIN name different banks")
	}
	if bank < 0 {
		return Bank{}, "", inputErr(CodeMissingBank, "no known bank named")
	}
	return table.banks[bank], accounts[0], nil
}

// keyValueForm recognises "<BIN>:<account>", optionally after the
// "bank_account:" kind, so that a key's value parses to the same key.
func keyValueForm(s string) (bin, acct string, ok bool) {
	const kind = string(KindBankAccount) + ":"
	if len(s) >= len(kind) && strings.EqualFold(s[:len(kind)], kind) {
		s = s[len(kind):]
	}
	if len(s) < 8 || s[6] != ':' || strings.Trim(s[:6], "0123456789") != "" {
		return "", "", false
	}
	return s[:6], s[7:], true
}

// splitNumberRun reads one run of digit groups. It returns the account
// digits (or "" when the run is not 6–19 digits) and the index of the bank
// whose BIN is the run's first or last group, or -1. A BIN group is split
// off when the rest is a valid account and the BIN does not contradict the
// bank named in words; a run that is exactly one known BIN is returned as
// a BIN with no account.
func splitNumberRun(t *BankTable, groups []string, named int) (string, int) {
	total := totalLen(groups)
	if len(groups) == 1 && total == 6 {
		if i, ok := t.byBIN[groups[0]]; ok {
			return "", i
		}
	}
	if len(groups) > 1 {
		for _, end := range [2]int{0, len(groups) - 1} {
			i, ok := t.byBIN[groups[end]]
			if !ok || (named >= 0 && named != i) {
				continue
			}
			rest := total - 6
			if rest < minAccountDigits || rest > maxAccountDigits {
				continue
			}
			if end == 0 {
				return strings.Join(groups[1:], ""), i
			}
			return strings.Join(groups[:end], ""), i
		}
	}
	if total < minAccountDigits || total > maxAccountDigits {
		return "", -1
	}
	return strings.Join(groups, ""), -1
}

// totalLen is the summed length of strs: the digits of a number run, or
// the folded length of a window of words.
func totalLen(strs []string) int {
	n := 0
	for _, s := range strs {
		n += len(s)
	}
	return n
}

// matchWords finds the banks named in a run of words: the longest windows
// first, each word used at most once. It returns their indexes.
func (t *BankTable) matchWords(words []string) []int {
	var found []int
	used := make([]bool, len(words))
	for size := min(len(words), maxBankWords); size >= 1; size-- {
	windows:
		for start := 0; start+size <= len(words); start++ {
			for _, u := range used[start : start+size] {
				if u {
					continue windows
				}
			}
			if n := totalLen(words[start : start+size]); n > maxFoldedNameLen {
				continue
			}
			i, ok := t.lookupWords(words[start : start+size])
			if !ok {
				continue
			}
			for k := start; k < start+size; k++ {
				used[k] = true
			}
			if !slices.Contains(found, i) {
				found = append(found, i)
			}
		}
	}
	return found
}

// scanBankText splits free text into runs of folded words and runs of digit
// groups. Tokens are separated by white space and by : , ; | / ( ) [ ] { }
// quotes; a token of digits with dots or dashes is one digit group; letters
// glued to the front or back of digits ("STK0011004353201") are split off;
// digits and letters mixed any other way are a malformed account number
// when there are six digits or more, else ordinary words.
func scanBankText(s string) ([]bankTextItem, error) {
	var items []bankTextItem
	nwords := 0
	addWords := func(tok string) error {
		ws := foldWords(tok)
		if len(ws) == 0 {
			return nil
		}
		nwords += len(ws)
		if nwords > maxBankTextWords {
			return inputErr(CodeInvalidAccount, "too many words around the account number")
		}
		if n := len(items); n > 0 && items[n-1].words != nil {
			items[n-1].words = append(items[n-1].words, ws...)
		} else {
			items = append(items, bankTextItem{words: ws})
		}
		return nil
	}
	addGroup := func(tok string) {
		var digits []byte
		for _, r := range tok {
			if r >= '0' && r <= '9' {
				digits = append(digits, byte(r))
			} else if d, ok := unicodeDigit(r); ok {
				digits = append(digits, d)
			}
		}
		if n := len(items); n > 0 && items[n-1].groups != nil {
			items[n-1].groups = append(items[n-1].groups, string(digits))
		} else {
			items = append(items, bankTextItem{groups: []string{string(digits)}})
		}
	}
	for tok := range strings.FieldsFuncSeq(s, isBankTextSeparator) {
		letters, digits := 0, 0
		firstDigit, lastLetter, lastDigit, firstLetter := -1, -1, -1, -1
		for i, r := range tok {
			switch {
			case r >= '0' && r <= '9' || r >= utf8.RuneSelf && unicode.IsDigit(r):
				digits++
				lastDigit = i
				if firstDigit < 0 {
					firstDigit = i
				}
			case unicode.IsLetter(r):
				letters++
				lastLetter = i
				if firstLetter < 0 {
					firstLetter = i
				}
			}
		}
		var err error
		switch {
		case digits == 0 && letters == 0:
			// Punctuation alone ("-", "–", "…") joins rather than splits.
		case letters == 0:
			addGroup(tok)
		case digits == 0:
			err = addWords(tok)
		case lastLetter < firstDigit: // "STK0011004353201"
			if err = addWords(tok[:firstDigit]); err == nil {
				addGroup(tok[firstDigit:])
			}
		case lastDigit < firstLetter: // "0011004353201VCB"
			addGroup(tok[:firstLetter])
			err = addWords(tok[firstLetter:])
		case digits >= minAccountDigits:
			err = inputErr(CodeInvalidAccount, "letters inside an account number")
		default:
			err = addWords(tok)
		}
		if err != nil {
			return nil, err
		}
	}
	return items, nil
}

func isBankTextSeparator(r rune) bool {
	switch r {
	case ':', ',', ';', '|', '/', '(', ')', '[', ']', '{', '}', '"', '\'', '“', '”', '：', '，':
		return true
	}
	return isPhoneSpace(r)
}

// foldASCII folds an all-ASCII s into buf (lower case letters and digits
// only). ok is false when s has other characters and needs foldWords.
func foldASCII(s string, buf []byte) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf:
			return nil, false
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			buf = append(buf, c)
		case c >= 'A' && c <= 'Z':
			buf = append(buf, c+'a'-'A')
		}
	}
	return buf, true
}

// foldName is the fold of s in one string: lower case, no diacritics, đ→d,
// letters and digits only.
func foldName(s string) string { return strings.Join(foldWords(s), "") }

// foldWords splits s into folded words. NFKD both separates diacritics from
// their letters (so they can be dropped) and maps full-width and other
// compatibility forms to plain letters and digits.
func foldWords(s string) []string {
	var words []string
	var w []byte
	flush := func() {
		if len(w) > 0 {
			words = append(words, string(w))
			w = w[:0]
		}
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		s = norm.NFKD.String(s)
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			w = append(w, byte(r))
		case r >= 'A' && r <= 'Z':
			w = append(w, byte(r)+'a'-'A')
		case r < utf8.RuneSelf:
			flush()
		case unicode.Is(unicode.Mn, r):
			// A diacritic separated by NFKD: drop it, stay in the word.
		case r == 'đ' || r == 'Đ':
			w = append(w, 'd')
		case unicode.IsLetter(r):
			w = utf8.AppendRune(w, unicode.ToLower(r))
		default:
			if d, ok := unicodeDigit(r); ok {
				w = append(w, d)
				continue
			}
			flush()
		}
	}
	flush()
	return words
}

// Word sequences (folded) that all banks share, stripped from the front and
// back of a name to find its core. Longer sequences come first.
var (
	commonLeadingWords = [][]string{
		{"mot", "thanh", "vien"}, {"thuong", "mai"}, {"ngan", "hang"}, {"co", "phan"},
		{"nh"}, {"tmcp"}, {"tnhh"}, {"mtv"}, {"so"},
	}
	commonTrailingWords = [][]string{
		{"commercial", "joint", "stock", "bank"}, {"joint", "stock", "commercial", "bank"},
		{"commercial", "bank"}, {"viet", "nam"}, {"vietnam"}, {"vn"}, {"bank"}, {"ltd"},
	}
)

// stripCommonWords removes the words that every bank's name shares from
// both ends of words.
func stripCommonWords(words []string) []string {
	for changed := true; changed; {
		changed = false
		for _, p := range commonLeadingWords {
			if len(words) > len(p) && slices.Equal(words[:len(p)], p) {
				words, changed = words[len(p):], true
			}
		}
		for _, p := range commonTrailingWords {
			if len(words) > len(p) && slices.Equal(words[len(words)-len(p):], p) {
				words, changed = words[:len(words)-len(p)], true
			}
		}
	}
	return words
}
