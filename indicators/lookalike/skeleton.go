package lookalike

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// confusablesTxt is the compact confusables table; its header says which
// lines come from Unicode TR39 and which are local extensions.
//
//go:embed confusables.txt
var confusablesTxt string

// confusables maps a source rune to its Latin prototype. It is built once at
// package init; a malformed table is a programming error caught by the tests.
var confusables = mustParseConfusables(confusablesTxt)

// asciiSkel is confusables restricted to ASCII sources, plus upper-case
// folding, so that the common all-ASCII host never touches a map.
var asciiSkel = func() (t [utf8.RuneSelf]byte) {
	for c := range t {
		b := byte(c)
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if m, ok := confusables[rune(b)]; ok && m < utf8.RuneSelf {
			b = byte(m)
		}
		t[c] = b
	}
	return t
}()

func mustParseConfusables(txt string) map[rune]rune {
	m, err := parseConfusables(txt)
	if err != nil {
		panic(err)
	}
	return m
}

// parseConfusables reads the TR39 line format "src ; target ; MA # comment"
// restricted to single code points on both sides.
func parseConfusables(txt string) (map[rune]rune, error) {
	m := make(map[rune]rune)
	for n, line := range strings.Split(txt, "\n") {
		line, _, _ = strings.Cut(line, "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		f := strings.Split(line, ";")
		if len(f) < 2 {
			return nil, fmt.Errorf("confusables line %d: want \"src ; target ; type\"", n+1)
		}
		src, err := strconv.ParseUint(strings.TrimSpace(f[0]), 16, 32)
		if err != nil {
			return nil, fmt.Errorf("confusables line %d: source: %w", n+1, err)
		}
		dst, err := strconv.ParseUint(strings.TrimSpace(f[1]), 16, 32)
		if err != nil {
			return nil, fmt.Errorf("confusables line %d: target: %w", n+1, err)
		}
		if _, dup := m[rune(src)]; dup {
			return nil, fmt.Errorf("confusables line %d: %U listed twice", n+1, rune(src))
		}
		m[rune(src)] = rune(dst)
	}
	return m, nil
}

// Skeleton returns the string that s looks like, so that two strings a
// reader cannot tell apart have equal skeletons. It follows the TR39
// skeleton (NFD, map each confusable to its prototype, NFD again) with the
// local changes this package needs for Vietnamese and for host names:
//
//   - combining marks are dropped after NFD, so "vietcombạnk" and
//     "vietcombank" meet (TR39 keeps marks; Vietnamese users do not see
//     a dot below as a different bank);
//   - full-width ASCII is folded to ASCII;
//   - the result is lower case (host names are case-insensitive);
//   - the letter pairs "rn" and "vv" become "m" and "w" (TR39 maps the
//     other way, m → rn; either direction gives equal skeletons).
//
// Since marks are dropped, the final NFD of TR39 has nothing left to do.
// Dots and hyphens are kept, so a skeleton of a host is still split into
// labels the same way.
func Skeleton(s string) string {
	b := make([]byte, 0, len(s))
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		for i := 0; i < len(s); i++ {
			b = append(b, asciiSkel[s[i]])
		}
	} else {
		for _, r := range norm.NFD.String(s) {
			if unicode.Is(unicode.Mn, r) {
				continue
			}
			if 0xFF01 <= r && r <= 0xFF5E { // full-width ASCII block
				r -= 0xFF01 - 0x21
			}
			if m, ok := confusables[r]; ok {
				r = m
			}
			r = unicode.ToLower(r)
			if r < utf8.RuneSelf {
				b = append(b, asciiSkel[r])
				continue
			}
			if m, ok := confusables[r]; ok {
				r = m
			}
			b = utf8.AppendRune(b, r)
		}
	}
	return string(foldPairs(b))
}

// foldPairs rewrites "rn" → "m" and "vv" → "w" in place.
func foldPairs(b []byte) []byte {
	w := 0
	for r := 0; r < len(b); r++ {
		if r+1 < len(b) {
			switch {
			case b[r] == 'r' && b[r+1] == 'n':
				b[w] = 'm'
				w++
				r++
				continue
			case b[r] == 'v' && b[r+1] == 'v':
				b[w] = 'w'
				w++
				r++
				continue
			}
		}
		b[w] = b[r]
		w++
	}
	return b[:w]
}
