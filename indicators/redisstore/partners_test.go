package redisstore_test

import (
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/storetest"
)

func TestPartners(t *testing.T) {
	storetest.RunPartners(t, func(t *testing.T) indicators.PartnerStore { return newSideStore(t) })
}

// TestPartnersCluster runs the outbox on the three-master cluster, where a
// script or transaction whose keys span two slots fails with CROSSSLOT: it
// passes only if every outbox key carries the {outbox} hash tag.
func TestPartnersCluster(t *testing.T) {
	storetest.RunPartners(t, func(t *testing.T) indicators.PartnerStore { return newClusterStore(t) })
}
