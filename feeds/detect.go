package feeds

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
)

// DetectPeekBytes is how much of the input Detect looks at. Give Detect a
// reader that can buffer that much (bufio.NewReaderSize(r, DetectPeekBytes));
// a smaller one is looked at as far as its buffer goes.
const DetectPeekBytes = 64 << 10

// maxDetectLines bounds how many data lines of a text feed Detect weighs.
const maxDetectLines = 200

// Detect tells the format of a feed from its first bytes, which it peeks
// without consuming them: pass the same reader to NewParser afterwards.
// Decisions, first match wins:
//
//	JSON array of {"phish_id"…}                  → phishtank-json
//	JSON array of {"Event"…}                     → misp
//	JSON array of {"url"…} (ChongLuaDao _id/type/level) → chongluadao
//	{"type":"bundle"…} (or "objects"/"spec_version") → stix
//	{"Event"…} or {"response"…}                  → misp
//	other objects, one per line                  → jsonl
//	first line "phish_id,url,…"                  → phishtank-csv
//	URLhaus comment header or "id,dateadded,url,…" → urlhaus
//	"[Adblock…" or most lines "||host^" (or @@, ##) → adblock
//	most lines "<0.0.0.0|127.0.0.1|…> host"       → hosts
//	every line a URL with a scheme               → openphish (a URL list)
//	first line holds a comma                     → csv
//	anything else                                → plain
//
// Empty, binary or compressed input and JSON of no known shape give an error
// wrapping ErrFormat; a read error is returned as is (wrapped).
func Detect(r *bufio.Reader) (Format, error) {
	b, err := r.Peek(DetectPeekBytes)
	full := len(b) == DetectPeekBytes || errors.Is(err, bufio.ErrBufferFull)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return "", fmt.Errorf("feeds: detect format: %w", err)
	}
	if err := checkText(r, "input"); err != nil {
		return "", err
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	t := bytes.TrimLeft(b, " \t\r\n")
	if len(t) == 0 {
		return "", fmt.Errorf("%w: empty input", ErrFormat)
	}
	switch {
	case len(t) >= 8 && strings.EqualFold(string(t[:8]), "[adblock"):
		return FormatAdblock, nil
	case t[0] == '[':
		return detectJSONArray(t)
	case t[0] == '{':
		return detectJSONObject(t)
	}
	return detectText(b, full), nil
}

// detectText weighs the first lines of a text feed.
func detectText(b []byte, full bool) Format {
	lines := strings.Split(string(b), "\n")
	if full && len(lines) > 1 {
		lines = lines[:len(lines)-1] // the last one may be cut by the peek
	}
	var data []string
	for i, l := range lines {
		l = strings.TrimSpace(l)
		low := strings.ToLower(l)
		switch {
		case l == "":
			continue
		case len(data) == 0 && strings.HasPrefix(low, "phish_id,url,"):
			return FormatPhishTankCSV
		case strings.HasPrefix(strings.TrimLeft(low, "# "), "id,dateadded,url"),
			l[0] == '#' && i < 20 && strings.Contains(low, "urlhaus"):
			return FormatURLhaus
		case strings.HasPrefix(low, "[adblock"):
			return FormatAdblock
		case l[0] == '#' || l[0] == '!':
			continue
		}
		if len(data) < maxDetectLines {
			data = append(data, l)
		}
	}
	if len(data) == 0 {
		return FormatPlain
	}
	var hosts, adblock, urls int
	for _, l := range data {
		switch {
		case strings.HasPrefix(l, "||"), strings.HasPrefix(l, "@@"), isCosmetic(l):
			adblock++
		case hasScheme(l) && !strings.ContainsAny(l, " \t"):
			urls++
		default:
			if f := strings.Fields(l); len(f) >= 2 {
				if _, err := netip.ParseAddr(f[0]); err == nil {
					hosts++
				}
			}
		}
	}
	n := len(data)
	switch {
	case 2*adblock > n:
		return FormatAdblock
	case 2*hosts > n:
		return FormatHosts
	case urls == n:
		return FormatOpenPhish
	case strings.Contains(data[0], ","):
		return FormatCSV
	}
	return FormatPlain
}

// detectJSONArray looks at the keys of the first element of a JSON array.
func detectJSONArray(t []byte) (Format, error) {
	dec := json.NewDecoder(bytes.NewReader(t))
	if _, err := dec.Token(); err != nil { // '['
		return "", fmt.Errorf("%w: invalid JSON: %v", ErrFormat, err)
	}
	tok, err := dec.Token()
	if err != nil {
		return "", fmt.Errorf("%w: invalid JSON array: %v", ErrFormat, err)
	}
	if tok == json.Delim(']') {
		return "", fmt.Errorf("%w: empty JSON array: cannot tell which feed it is", ErrFormat)
	}
	if tok != json.Delim('{') {
		return "", fmt.Errorf("%w: a JSON array of %v, not of objects: not a known feed", ErrFormat, tok)
	}
	keys := map[string]bool{}
	_ = objectKeys(dec, func(k string) bool {
		keys[k] = true
		return k == "phish_id" || k == "Event"
	})
	switch {
	case keys["phish_id"]:
		return FormatPhishTankJSON, nil
	case keys["Event"]:
		return FormatMISP, nil
	case keys["url"]:
		return FormatChongLuaDao, nil
	}
	return "", fmt.Errorf("%w: a JSON array of objects with keys %s: not a known feed (chongluadao wants \"url\", phishtank-json \"phish_id\")", ErrFormat, keyList(keys))
}

// detectJSONObject tells a STIX bundle, a MISP event and JSON Lines apart.
func detectJSONObject(t []byte) (Format, error) {
	dec := json.NewDecoder(bytes.NewReader(t))
	if _, err := dec.Token(); err != nil { // '{'
		return "", fmt.Errorf("%w: invalid JSON: %v", ErrFormat, err)
	}
	keys := map[string]bool{}
	var format Format
	err := objectKeysValues(dec, func(k string, tok json.Token) bool {
		keys[k] = true
		switch {
		case k == "type" && tok == "bundle":
			format = FormatSTIX
		case k == "Event" || k == "response":
			format = FormatMISP
		}
		return format != ""
	})
	switch {
	case format != "":
		return format, nil
	case keys["objects"] || keys["spec_version"]:
		return FormatSTIX, nil
	case err == nil:
		// A whole object: JSON Lines if it ended on its own line.
		end := int(dec.InputOffset())
		if !bytes.Contains(t[:end], []byte("\n")) {
			return FormatJSONL, nil
		}
	}
	return "", fmt.Errorf("%w: JSON object with keys %s is not a STIX bundle, a MISP event or JSON Lines", ErrFormat, keyList(keys))
}

// objectKeys walks the keys of the object just entered, skipping values,
// until stop returns true or the object ends.
func objectKeys(dec *json.Decoder, stop func(string) bool) error {
	return objectKeysValues(dec, func(k string, _ json.Token) bool { return stop(k) })
}

// objectKeysValues is objectKeys that also passes each value's first token.
func objectKeysValues(dec *json.Decoder, stop func(string, json.Token) bool) error {
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		k, ok := tok.(string)
		if !ok {
			return nil // the closing '}'
		}
		v, err := dec.Token()
		if err != nil {
			return err
		}
		if stop(k, v) {
			return nil
		}
		if d, ok := v.(json.Delim); ok && (d == '{' || d == '[') {
			if err := skipRest(dec); err != nil {
				return err
			}
		}
	}
}

// skipRest skips the rest of an object or array whose opening token was read.
func skipRest(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

func keyList(keys map[string]bool) string {
	var ks []string
	for k := range keys {
		ks = append(ks, quote(k))
	}
	if len(ks) == 0 {
		return "(none)"
	}
	slices.Sort(ks)
	if len(ks) > 8 {
		ks = append(ks[:8], "…")
	}
	return strings.Join(ks, ", ")
}
