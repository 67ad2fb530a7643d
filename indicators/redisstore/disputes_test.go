package redisstore_test

import (
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/storetest"
)

func TestLinks(t *testing.T) {
	storetest.RunLinks(t, func(t *testing.T) storetest.LinkStore { return newSideStore(t) })
}

func TestDisputes(t *testing.T) {
	storetest.RunDisputes(t, func(t *testing.T) indicators.DisputeStore { return newSideStore(t) })
}

// On the cluster, a script touching two slots fails with CROSSSLOT: these
// pass only if links and disputes share the reports' hash tag.

func TestLinksCluster(t *testing.T) {
	storetest.RunLinks(t, func(t *testing.T) storetest.LinkStore { return newClusterStore(t) })
}

func TestDisputesCluster(t *testing.T) {
	storetest.RunDisputes(t, func(t *testing.T) indicators.DisputeStore { return newClusterStore(t) })
}
