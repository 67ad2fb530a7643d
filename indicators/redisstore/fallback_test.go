package redisstore

import (
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/storetest"
	"github.com/scamcheck/scamcheck/internal/redistest"
)

// TestConformanceWithoutNXGet runs the suite on the path for Redis before
// 7.0, which refuses SET with both NX and GET: read first, then write.
func TestConformanceWithoutNXGet(t *testing.T) {
	newStore := func(t *testing.T) indicators.Store {
		s := New(redistest.Client(t), Options{Prefix: redistest.Prefix(t)})
		s.noNXGet.Store(true)
		return s
	}
	storetest.Run(t, newStore)
	storetest.RunConcurrent(t, newStore)
}
