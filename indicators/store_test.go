package indicators_test

import (
	"fmt"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
)

func TestPageLimit(t *testing.T) {
	tests := []struct{ n, want int }{
		{-1, 100},
		{0, 100},
		{1, 1},
		{100, 100},
		{999, 999},
		{1000, 1000},
		{1001, 1000},
		{1 << 40, 1000},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			if got := indicators.PageLimit(tc.n); got != tc.want {
				t.Errorf("PageLimit(%d) = %d, want %d", tc.n, got, tc.want)
			}
			if got := (indicators.ListOptions{Limit: tc.n}).EffectiveLimit(); got != tc.want {
				t.Errorf("ListOptions{Limit: %d}.EffectiveLimit() = %d, want %d", tc.n, got, tc.want)
			}
		})
	}
}
