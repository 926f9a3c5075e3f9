# logsplit: common tasks. `make demo` and `make test` work on a fresh Debian machine with Swift installed.
SWIFT ?= swift

.PHONY: deps build release test demo bench bench-compress clean

deps:
	bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

# Self-contained binaries (the Swift runtime linked in): copy them to /usr/local/bin on the web hosts.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib --product logsplit
	$(SWIFT) build -c release --static-swift-stdlib --product logdump
	@echo "binaries: $$($(SWIFT) build -c release --static-swift-stdlib --show-bin-path)/{logsplit,logdump}"

# Builds everything, then runs every test (unit and end-to-end with real cronolog, Apache httpd, ...).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Apache-style traffic through logsplit, logdump shipping the closed hours to a local directory, tree printed.
demo: deps
	$(SWIFT) build --product logsplit
	$(SWIFT) build --product logdump
	bash scripts/demo.sh

bench: deps
	bash scripts/bench-split.sh

bench-compress: deps
	bash scripts/bench-compress.sh

clean:
	rm -rf .build demo-out
