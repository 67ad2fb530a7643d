package boltstore_test

import (
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/storetest"
)

func TestPartners(t *testing.T) {
	storetest.RunPartners(t, func(t *testing.T) indicators.PartnerStore { return newSideStore(t) })
}
