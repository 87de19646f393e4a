# buurtloket: `make run` starts the service, `make test` runs every test.
GO ?= go

.PHONY: build run test deps lint bench fuzz check-flows tools screenshots

build:
	$(GO) build -o bin/buurtloket ./cmd/buurtloket

# A first try listens on this computer only; serve prints how to open it
# to the network (docs/kiosk.md, docs/deploy.md).
run:
	$(GO) run ./cmd/buurtloket serve --addr 127.0.0.1:8080

# Every test, then a summary: how many ran, passed, failed and were
# skipped, and what fixes each skip (internal/testsummary). The browser
# tests need Chromium and axe-core, the store tests PostgreSQL 15, the race
# detector a C compiler: `make deps` installs them. Without a C compiler the
# tests run without -race, and the summary says so.
RACE := $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v "$$($(GO) env CC)" >/dev/null 2>&1 && echo -race)
test: tools
	$(GO) test $(RACE) -count=1 -json ./... | $(GO) run ./internal/testsummary $(if $(RACE),,-no-race)

# Installs what the tests need (Debian or Ubuntu, as root); otherwise
# prints the command to run.
deps:
	@scripts/deps.sh

AXE_VERSION = 4.11.0
tools:
	@if [ -f .cache/npm/node_modules/axe-core/axe.min.js ]; then :; \
	elif command -v npm >/dev/null; then npm install --prefix .cache/npm --no-save --no-audit --no-fund axe-core@$(AXE_VERSION); \
	else echo "*** npm not found: the accessibility scans will be skipped (not allowed in CI)"; fi

# Screenshots of the page and the console for docs/screenshots (needs Chromium).
screenshots: tools
	BUURTLOKET_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run Browser ./kiosk/ ./staff/

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
