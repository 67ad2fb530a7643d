package redisstore_test

import (
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/storetest"
)

func TestWarnings(t *testing.T) {
	storetest.RunWarnings(t, func(t *testing.T) indicators.WarningStore { return newSideStore(t) })
}

// TestWarningsCluster runs the suite on the three-master cluster, where the
// create-with-dedupe script fails with CROSSSLOT unless every warning key
// carries the {warnings} hash tag.
func TestWarningsCluster(t *testing.T) {
	storetest.RunWarnings(t, func(t *testing.T) indicators.WarningStore { return newClusterStore(t) })
}
