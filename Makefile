# buurtloket: `make run` starts the service, `make test` runs every test.
GO ?= go

.PHONY: build run test lint bench fuzz check-flows tools screenshots

build:
	$(GO) build -o bin/buurtloket ./cmd/buurtloket

run:
	$(GO) run ./cmd/buurtloket serve

# The browser tests need Chromium (Debian: apt-get install chromium) and
# axe-core, which `tools` installs from npm into .cache/.
test: tools
	$(GO) test -race -count=1 ./...

AXE_VERSION = 4.11.0
tools:
	@if [ -f .cache/npm/node_modules/axe-core/axe.min.js ]; then :; \
	elif command -v npm >/dev/null; then npm install --prefix .cache/npm --no-save --no-audit --no-fund axe-core@$(AXE_VERSION); \
	else echo "*** npm not found: the accessibility scans will be skipped (not allowed in CI)"; fi

# Screenshots of the page for docs/screenshots (needs Chromium).
screenshots: tools
	BUURTLOKET_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run Browser ./kiosk/

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Benchmarks of the dialog engine; results go in docs/benchmarks.md.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./dialogs/

# A short run of each fuzz test (longer: make fuzz FUZZTIME=10m).
FUZZTIME ?= 20s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) ./dialogs/
	$(GO) test -run '^$$' -fuzz '^FuzzStep$$' -fuzztime $(FUZZTIME) ./dialogs/

check-flows:
	$(GO) run ./cmd/buurtloket flows check dialogs/flows
