package webhooks_test

import (
	"testing"

	"github.com/scamcheck/scamcheck/internal/redistest"
)

// TestMain stops the Redis server redistest may start for the tests.
func TestMain(m *testing.M) { redistest.Main(m) }
