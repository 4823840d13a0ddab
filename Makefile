# smetskit: one entry point for building, running and testing.
#   make run     the desktop app in demo mode (simulated devices, no hardware)
#   make test    everything CI runs
#   make bench   the performance measurements of the issues
#   make package the Linux release package (scripts/package.sh)
GO        ?= go
FUZZTIME  ?= 2s
# Fyne parses LANG; the "C" locale makes it log an error at start-up.
export LANG := $(if $(filter-out C POSIX C.UTF-8 C.utf8,$(LANG)),$(LANG),en_GB.UTF-8)
# The shared conformance vectors (never copied into this repository).
export SMETSKIT_CONFORMANCE ?= $(abspath ../shared/conformance)

.PHONY: all deps run build test vet unit conformance-note fuzz-smoke bench fuzz lint package clean

all: build

deps:
	@scripts/deps.sh

build: deps
	$(GO) build -o smetskit .
	$(GO) build -o smetsctl ./cmd/smetsctl

run: deps
	$(GO) run . --demo

test: deps vet conformance-note unit fuzz-smoke

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

conformance-note:
	@if [ -d "$(SMETSKIT_CONFORMANCE)" ]; then \
	  echo "conformance vectors: $(SMETSKIT_CONFORMANCE)"; \
	else echo "conformance vectors not found at $(SMETSKIT_CONFORMANCE): conformance tests will skip"; fi

unit:
	$(GO) test -race -timeout 20m ./...

fuzz-smoke:
	@FUZZTIME=$(FUZZTIME) scripts/fuzz-smoke.sh

fuzz:
	@FUZZTIME=$${FUZZTIME:-60s} scripts/fuzz-smoke.sh

# The measurements include the desktop app under Xvfb (main_measure_test.go:
# first frame and resident memory of the release build), hence deps.
bench: deps
	$(GO) test -run '^$$' -bench . -benchmem ./...
	SMETSKIT_MEASURE=1 $(GO) test -run '^TestMeasure' -v -count=1 ./... | grep -v '^=== RUN\|^--- PASS\|^PASS\|^ok\|no test files'

# The installable bundle for this OS from FyneApp.toml (release build):
# out/smetskit.tar.xz on Linux. See README "Packaging".
package: deps
	scripts/package.sh $$($(GO) env GOOS)

lint: vet
	@command -v staticcheck >/dev/null && staticcheck ./... || echo "staticcheck not installed (go install honnef.co/go/tools/cmd/staticcheck@latest) — skipped"

clean:
	rm -rf smetskit smetsctl inventoryd out
