package lookalike

import (
	"math/bits"
	"net"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"

	"github.com/scamcheck/scamcheck/indicators"
)

// Reason says which signal found a lookalike.
type Reason string

// The reasons a host is a lookalike; their values are what the API shows.
const (
	// ReasonEditDistance: a label is one or two typing edits away from a
	// brand ("vietcombankk", "techconbank").
	ReasonEditDistance Reason = "edit_distance"
	// ReasonHomoglyph: the registrable label looks the same as a trusted one
	// but is spelt with other characters (Cyrillic "а", "0" for "o", "rn"
	// for "m", Vietnamese marks).
	ReasonHomoglyph Reason = "homoglyph"
	// ReasonBrandEmbedded: a brand name, or a whole trusted domain, sits
	// inside a host someone else registered ("vietcombank-vn.com",
	// "vietcombank.com.vn.login-verify.ru").
	ReasonBrandEmbedded Reason = "brand_embedded"
	// ReasonFreeHosting: a brand name in a customer subdomain of a free host
	// or site builder ("vietcombank-online.weebly.com").
	ReasonFreeHosting Reason = "free_hosting_subdomain"
)

// Scores are the confidence of each kind of evidence, in [0, 1]. They only
// order matches; the verdict for any match is "suspicious".
const (
	scoreTrustedInside = 0.95 // a whole trusted domain as labels of another
	scoreHomoglyph     = 0.95
	scoreSameLabel     = 0.9 // the brand's label under another suffix
	scoreEdit1         = 0.9
	scoreEdit2         = 0.8
	scoreLongToken     = 0.85
	scoreShortToken    = 0.7
	scoreFreeHosting   = 0.8
)

// Match describes why a host looks like a trusted site.
type Match struct {
	// LookalikeOf is the trusted registrable domain imitated, e.g.
	// "vietcombank.com.vn".
	LookalikeOf string `json:"lookalike_of"`
	// Brand is the organisation's name when known, e.g. "Vietcombank".
	Brand string `json:"brand,omitempty"`
	// Reason is the signal that fired.
	Reason Reason `json:"reason"`
	// Matched is the piece of the host that gave it away (a token or label,
	// as its skeleton), for explanations and debugging.
	Matched string `json:"matched"`
	// Score is the strength of the evidence in [0, 1].
	Score float64 `json:"score"`
}

// Options tune a Detector. The zero value uses the defaults.
type Options struct {
	// Domains are more trusted sites (an allowlist such as ChongLuaDao's):
	// hosts under them are never flagged, and a host whose registrable
	// label has the same skeleton but other characters is a homoglyph of
	// them. Hosts and URLs are accepted; their registrable domain is used.
	// They are not edit-distance targets: allowlists are full of short
	// everyday labels that random hosts are one edit away from.
	Domains []string
	// TrustedSuffixes are suffix rules such as "gov.vn": every host under
	// them is trusted. nil means DefaultTrustedSuffixes.
	TrustedSuffixes []string
	// FreeHosts are free hosts and site builders; nil means
	// DefaultFreeHosts.
	FreeHosts []string
}

// target is one trusted registrable domain a host may imitate.
type target struct {
	domain string // registrable domain, ASCII
	brand  string // "" for an allowlist entry
	label  string // registrable label, as typed (Unicode for IDNs)
	skel   string // Skeleton(label)
}

type edTarget struct {
	skel string
	mask uint64
	max  int
	t    *target
}

type token struct {
	tok  string // as typed, ASCII
	skel string
	t    *target
}

// Detector finds hosts that imitate trusted sites. Build one with New; it
// is immutable afterwards and safe for concurrent use.
type Detector struct {
	trusted   map[string]*target // registrable domains and suffix rules
	free      map[string]bool
	homoglyph map[string]*target // skeleton of a registrable label
	own       map[string]bool    // skeletons of every brand label and token
	ed        [maxLabel + 1][]edTarget
	long      map[uint32][]token // tokens of 5+ letters by their first 4 skeleton bytes
	short     map[string]*token  // tokens of up to 4 letters, as typed
	shortSkel map[string]*token  // the same by skeleton, for IDN segments
}

// Thresholds of the edit-distance signal (see doc.go for why).
const (
	minEditLen  = 5 // brand labels shorter than this get no edit distance
	minEdit2Len = 9 // from this length two edits are allowed
	minLongTok  = 5 // tokens this long match anywhere in a host
	minStem     = 4 // letters a "…bank" label needs before "bank" to get edit distance
)

// distinctive reports whether an edit-distance target has enough letters of
// its own: in "hdbank", "tpbank" or "vpbank" one edit turns one bank into
// another ("vpbank" → "tpbank") or into a generic word ("ibank", "mybank"),
// so such labels rely on the token signal instead.
func distinctive(skel string) bool {
	stem, isBank := strings.CutSuffix(skel, "bank")
	return !isBank || len(stem) >= minStem
}

// New builds a Detector from brands and options. Skeletons, tokens and
// edit-distance buckets are computed here once, so Check only looks
// things up. Brands without a domain contribute nothing: a match must name
// the site imitated.
func New(brands []Brand, opts Options) *Detector {
	d := &Detector{
		trusted:   make(map[string]*target),
		free:      make(map[string]bool),
		homoglyph: make(map[string]*target),
		own:       make(map[string]bool),
		long:      make(map[uint32][]token),
		short:     make(map[string]*token),
		shortSkel: make(map[string]*token),
	}
	suffixes := opts.TrustedSuffixes
	if suffixes == nil {
		suffixes = DefaultTrustedSuffixes
	}
	for _, s := range suffixes {
		s = strings.Trim(strings.ToLower(s), ".")
		d.trusted[s] = &target{domain: s}
	}
	free := opts.FreeHosts
	if free == nil {
		free = DefaultFreeHosts
	}
	for _, f := range free {
		d.free[strings.Trim(strings.ToLower(f), ".")] = true
	}

	edSeen := make(map[string]bool)
	addED := func(skel string, rawLen int, t *target) {
		d.own[skel] = true
		if rawLen < minEditLen || len(skel) > maxLabel || edSeen[skel] || !distinctive(skel) {
			return
		}
		edSeen[skel] = true
		max := 1
		if rawLen >= minEdit2Len {
			max = 2
		}
		d.ed[len(skel)] = append(d.ed[len(skel)], edTarget{skel: skel, mask: letterMask(skel), max: max, t: t})
	}

	for _, b := range brands {
		var primary *target
		for _, dom := range b.Domains {
			t := d.addDomain(dom, b.Name)
			if t == nil {
				continue
			}
			if primary == nil {
				primary = t
			}
			if _, dup := d.homoglyph[t.skel]; !dup {
				d.homoglyph[t.skel] = t
			}
			addED(t.skel, len([]rune(t.label)), t)
		}
		if primary == nil {
			continue
		}
		for _, tok := range b.Tokens {
			tok = squash(tok)
			if tok == "" {
				continue
			}
			tk := token{tok: tok, skel: Skeleton(tok), t: primary}
			if len(tok) >= minLongTok && len(tk.skel) >= 4 {
				k := key4(tk.skel)
				if !hasToken(d.long[k], tk.skel) {
					d.long[k] = append(d.long[k], tk)
				}
				d.own[tk.skel] = true
				continue
			}
			if _, dup := d.short[tok]; !dup {
				d.short[tok] = &tk
				d.shortSkel[tk.skel] = &tk
			}
		}
	}
	for _, dom := range opts.Domains {
		t := d.addDomain(dom, "")
		if t == nil || len([]rune(t.label)) < minEditLen {
			continue
		}
		if _, dup := d.homoglyph[t.skel]; !dup {
			d.homoglyph[t.skel] = t
		}
	}
	return d
}

func hasToken(ts []token, skel string) bool {
	for _, t := range ts {
		if t.skel == skel {
			return true
		}
	}
	return false
}

// addDomain records dom (a host or URL) as trusted and returns its target,
// or nil if it has no registrable domain. A domain trusted twice keeps its
// first target, so a brand's name wins over an allowlist entry.
func (d *Detector) addDomain(dom, brand string) *target {
	h, ok := prepare(dom)
	if !ok {
		return nil
	}
	reg, err := publicsuffix.EffectiveTLDPlusOne(h)
	if err != nil {
		return nil
	}
	if t, ok := d.trusted[reg]; ok {
		if t.brand == "" && brand != "" {
			t.brand = brand
		}
		return t
	}
	label, _, _ := strings.Cut(reg, ".")
	label = toUnicode(label)
	t := &target{domain: reg, brand: brand, label: label, skel: Skeleton(label)}
	d.trusted[reg] = t
	return t
}

// Check reports whether host imitates a trusted site. host may be a bare
// host (ASCII, punycode or Unicode) or a URL, whose host is used. Hosts
// under a trusted domain or suffix rule, IP addresses and names that are
// not hosts are never lookalikes.
func (d *Detector) Check(host string) (Match, bool) {
	h, ok := prepare(host)
	if !ok {
		return Match{}, false
	}
	for s := h; ; {
		if _, ok := d.trusted[s]; ok {
			return Match{}, false
		}
		if d.free[s] && len(s) < len(h) {
			return d.checkFree(h[:len(h)-len(s)-1])
		}
		i := strings.IndexByte(s, '.')
		if i < 0 {
			break
		}
		s = s[i+1:]
	}
	suffix, _ := publicsuffix.PublicSuffix(h)
	if len(suffix) >= len(h) {
		return Match{}, false
	}
	rest := h[:len(h)-len(suffix)-1] // everything left of the public suffix
	if m, ok := d.trustedInside(rest); ok {
		return m, true
	}
	work := toUnicode(rest)
	skel := Skeleton(work)
	return d.scan(work, skel, false)
}

// checkFree looks for a brand in the customer part of a free-hosting host.
func (d *Detector) checkFree(sub string) (Match, bool) {
	work := toUnicode(sub)
	m, ok := d.scan(work, Skeleton(work), true)
	if !ok {
		return Match{}, false
	}
	m.Reason = ReasonFreeHosting
	m.Score = scoreFreeHosting
	return m, true
}

// trustedInside finds a whole trusted domain spelt out as labels left of
// the registrable label: "vietcombank.com.vn.login-verify.ru",
// "dichvucong.gov.vn.xyz.com". Longer candidates are tried first so that
// the most specific trusted name is reported.
func (d *Detector) trustedInside(rest string) (Match, bool) {
	last := strings.LastIndexByte(rest, '.')
	if last < 0 {
		return Match{}, false
	}
	sub := rest[:last]
	for i := 0; i < len(sub); {
		for j := len(sub); j > i; {
			cand := sub[i:j]
			if strings.IndexByte(cand, '.') < 0 {
				break
			}
			if t, ok := d.trusted[cand]; ok {
				return d.insideMatch(cand, t), true
			}
			if dot := strings.IndexByte(cand, '.'); dot >= 0 {
				// a suffix rule needs a name under it ("x.gov.vn")
				if t, ok := d.trusted[cand[dot+1:]]; ok && t.label == "" {
					return d.insideMatch(cand, t), true
				}
			}
			j = strings.LastIndexByte(sub[:j], '.')
			if j < 0 {
				break
			}
		}
		next := strings.IndexByte(sub[i:], '.')
		if next < 0 {
			break
		}
		i += next + 1
	}
	return Match{}, false
}

func (d *Detector) insideMatch(cand string, t *target) Match {
	of := cand
	if t.label != "" { // a registrable domain, not a suffix rule
		of = t.domain
	}
	return Match{LookalikeOf: of, Brand: t.brand, Reason: ReasonBrandEmbedded, Matched: cand, Score: scoreTrustedInside}
}

// scan runs the homoglyph, edit-distance and token signals over work (the
// labels left of the public suffix, Unicode) and skel (its skeleton). On a
// free host any bank code counts; elsewhere a code of up to three letters
// needs a lure word beside it.
func (d *Detector) scan(work, skel string, free bool) (Match, bool) {
	regSkel := skel[strings.LastIndexByte(skel, '.')+1:]
	regRaw := work[strings.LastIndexByte(work, '.')+1:]
	if t, ok := d.homoglyph[regSkel]; ok {
		if regRaw != t.label {
			return Match{LookalikeOf: t.domain, Brand: t.brand, Reason: ReasonHomoglyph, Matched: regSkel, Score: scoreHomoglyph}, true
		}
		if t.brand != "" {
			return Match{LookalikeOf: t.domain, Brand: t.brand, Reason: ReasonBrandEmbedded, Matched: regSkel, Score: scoreSameLabel}, true
		}
		// the same label as an allowlisted site under another suffix is
		// common and innocent ("kul.vn", "kul.com")
	}
	if m, ok := d.longToken(skel); ok {
		return m, true
	}
	if m, ok := d.editDistance(skel); ok {
		return m, true
	}
	return d.shortToken(work, free)
}

// editDistance compares every label of skel, and every piece of a label
// between hyphens and digits, with the brand labels of similar length. A
// piece that is itself some brand's label is skipped: "vietabank" is one
// edit from "vietbank" but is its own bank.
func (d *Detector) editDistance(skel string) (Match, bool) {
	var best Match
	bestDist := 3
	try := func(seg string) {
		if len(seg) < minEditLen-1 || len(seg) > maxLabel {
			return
		}
		if _, own := d.homoglyph[seg]; own || d.own[seg] {
			return
		}
		mask := letterMask(seg)
		for n := max(len(seg)-2, 0); n <= min(len(seg)+2, maxLabel); n++ {
			for _, e := range d.ed[n] {
				if abs(n-len(seg)) > e.max || bits.OnesCount64(mask^e.mask) > 2*e.max {
					continue
				}
				if dist := distance(seg, e.skel, e.max); dist >= 1 && dist <= e.max && dist < bestDist {
					bestDist = dist
					score := scoreEdit1
					if dist == 2 {
						score = scoreEdit2
					}
					best = Match{LookalikeOf: e.t.domain, Brand: e.t.brand, Reason: ReasonEditDistance, Matched: seg, Score: score}
				}
			}
		}
	}
	for label := range strings.SplitSeq(skel, ".") {
		try(label)
		if strings.IndexFunc(label, isSep) >= 0 {
			for piece := range strings.FieldsFuncSeq(label, isSep) {
				try(piece)
			}
		}
	}
	return best, bestDist <= 2
}

// longToken finds a token of five or more letters anywhere in skel.
func (d *Detector) longToken(skel string) (Match, bool) {
	for i := 0; i+4 <= len(skel); i++ {
		for _, tk := range d.long[key4(skel[i:])] {
			if strings.HasPrefix(skel[i:], tk.skel) {
				return Match{LookalikeOf: tk.t.domain, Brand: tk.t.brand, Reason: ReasonBrandEmbedded, Matched: tk.tok, Score: scoreLongToken}, true
			}
		}
	}
	return Match{}, false
}

// shortToken looks for codes of up to four letters at token boundaries of
// work (split at anything but a letter). A segment matches when it is the
// code or the code glued to lure words (see glued). A bare code of three
// letters or fewer also needs a lure word among the other segments
// ("acb.vn-banking") unless it sits on a free host.
func (d *Detector) shortToken(work string, free bool) (Match, bool) {
	var bare *token
	lure := false
	var found *token
	for seg := range strings.FieldsFuncSeq(work, notLetter) {
		if lureWords[seg] {
			lure = true
		}
		if found != nil {
			continue
		}
		tk := d.short[seg]
		if tk == nil && !isASCII(seg) {
			tk = d.shortSkel[Skeleton(seg)]
		}
		if tk != nil {
			if len(tk.tok) >= 4 || free {
				found = tk
			} else if bare == nil {
				bare = tk
			}
			continue
		}
		found = d.glued(seg)
	}
	if found == nil && bare != nil && lure {
		found = bare
	}
	if found == nil {
		return Match{}, false
	}
	return Match{LookalikeOf: found.t.domain, Brand: found.t.brand, Reason: ReasonBrandEmbedded, Matched: found.tok, Score: scoreShortToken}, true
}

// glued finds a short code inside seg with a lure word or nothing on each
// side ("shbfinance", "tindungvpb", "chanlemomovip"); a four-letter code
// may also have anything before it ("chanlemomo"). Anything after a code is
// not enough: "momondo", "bidvest" and "tikitaka" are other companies.
func (d *Detector) glued(seg string) *token {
	for n := 2; n <= 4 && n < len(seg); n++ {
		for i := 0; i+n <= len(seg); i++ {
			tk := d.short[seg[i:i+n]]
			if tk == nil || len(tk.tok) != n {
				continue
			}
			before, after := seg[:i], seg[i+n:]
			okBefore := before == "" || lureWords[before] || (n == 4 && after == "")
			if okBefore && (after == "" || lureWords[after]) {
				return tk
			}
		}
	}
	return nil
}

// prepare reduces a host or URL to a lower-case ASCII host without a
// trailing dot; ok is false for empty input, IP addresses and names longer
// than DNS allows.
func prepare(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#\\"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if strings.HasPrefix(s, "[") || net.ParseIP(s) != nil {
		return "", false // IP literals imitate nobody by name
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 || net.ParseIP(s) != nil {
		return "", false
	}
	if !isASCII(s) {
		a, err := idna.Lookup.ToASCII(s)
		if err != nil {
			a, err = idna.Punycode.ToASCII(strings.ToLower(s))
			if err != nil {
				return "", false
			}
		}
		s = a
	}
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			s = strings.ToLower(s)
			break
		}
	}
	if len(s) > 253 || strings.HasPrefix(s, ".") || strings.Contains(s, "..") {
		return "", false
	}
	return s, true
}

// toUnicode decodes punycode labels ("xn--...") so that skeletons see the
// characters a reader sees. Undecodable input is returned unchanged.
func toUnicode(s string) string {
	if !strings.Contains(s, "xn--") {
		return s
	}
	u, err := idna.Punycode.ToUnicode(s)
	if err != nil {
		return s
	}
	return u
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// isSep splits a skeleton label into pieces for the edit distance.
func isSep(r rune) bool { return r == '-' || r == '_' || ('0' <= r && r <= '9') }

// notLetter splits a host into the segments short codes must fill.
func notLetter(r rune) bool { return r < 0x80 && !('a' <= r && r <= 'z') }

// key4 packs the first four bytes of s (len(s) >= 4) for the token index.
func key4(s string) uint32 {
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// LookalikeOf reports the trusted domain host imitates. It makes a Detector
// an indicators.Lookalikes for the Engine.
func (d *Detector) LookalikeOf(host string) (string, bool) {
	m, ok := d.Check(host)
	return m.LookalikeOf, ok
}

var _ indicators.Lookalikes = (*Detector)(nil)
