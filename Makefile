# The two commands a new machine needs (see README.md):
#   make run    build and start the service with the embedded store and sample data
#   make test   install what the tests need, then run every test
SHELL := /bin/bash
GO ?= go
LISTEN ?= :8080

.PHONY: run test deps vet lint fuzz bench build e2e extension

build:
	$(GO) build -o bin/scamcheck ./cmd/scamcheck

run: build
	./bin/scamcheck serve --listen $(LISTEN)

# deps installs the system packages the tests use when they are missing.
deps:
	@bash scripts/test-deps.sh

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

# test runs every Go test (Redis, Redis Cluster and headless Chromium
# included), the packages with concurrency again under -race, and the JS
# SDK's tests against the same vectors as Go and against a real server.
test: deps vet
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -race ./indicators/... ./bloom/... ./backend/... ./feeds/... ./webhooks/... ./api/... ./sdk/go/... ./trends/...
	sh scripts/js-test.sh

# fuzz runs every fuzz target for FUZZTIME each (default 2m).
FUZZTIME ?= 2m
fuzz:
	@bash scripts/fuzz.sh $(FUZZTIME)

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# e2e runs only the browser tests (headless Chromium, see e2e/); screenshots
# go to $$SCAMCHECK_TEST_ARTIFACTS when set.
e2e: deps
	$(GO) test -count=1 -v ./e2e/

# extension builds the sample browser extension (sdk/extension) into
# sdk/extension/dist, to load unpacked; SERVER is the server it uses until
# its options page sets another. The e2e test builds its own copy.
SERVER ?= http://127.0.0.1:8080
extension:
	cd sdk/js && npm ci --no-audit --no-fund --loglevel=error
	cd sdk/extension && npm ci --no-audit --no-fund --loglevel=error && node build.mjs --server $(SERVER)
