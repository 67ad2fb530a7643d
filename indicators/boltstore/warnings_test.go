package boltstore_test

import (
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/storetest"
)

func TestWarnings(t *testing.T) {
	storetest.RunWarnings(t, func(t *testing.T) indicators.WarningStore { return newSideStore(t) })
}
