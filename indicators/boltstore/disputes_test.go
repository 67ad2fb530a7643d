package boltstore_test

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
