package lookalike

// maxLabel bounds the strings distance compares; longer ones are never
// within two edits of a brand (brands are far shorter) and are skipped, so
// the work per call is bounded and the rows fit on the stack.
const maxLabel = 64

// distance returns the optimal-string-alignment Damerau–Levenshtein distance
// between a and b (insertions, deletions, substitutions and swaps of two
// neighbours each cost 1), or max+1 as soon as it is sure to exceed max.
// It works on bytes: callers pass skeletons, which are ASCII for every
// brand, so a non-ASCII rune left in a host only makes it less similar.
func distance(a, b string, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	if len(a) > maxLabel || len(b) > maxLabel {
		return max + 1
	}
	var rows [3][maxLabel + 1]int
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], max+1)
}

// letterMask is a 64-bit set of the bytes in s (folded mod 64). Each edit
// changes at most two members, so two strings whose masks differ in more
// than 2·max bits cannot be within max edits: a cheap filter before
// distance.
func letterMask(s string) uint64 {
	var m uint64
	for i := 0; i < len(s); i++ {
		m |= 1 << (s[i] & 63)
	}
	return m
}
