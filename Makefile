# buurtloket: `make run` starts the service, `make test` runs every test.
GO ?= go

.PHONY: build run test lint bench fuzz check-flows

build:
	$(GO) build -o bin/buurtloket ./cmd/buurtloket

run:
	$(GO) run ./cmd/buurtloket serve

test:
	$(GO) test -race -count=1 ./...

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
