# logsplit: common tasks. `make demo` and `make test` work on a fresh Debian machine with Swift installed.
SWIFT ?= swift

.PHONY: deps build release test fuzz demo bench bench-compress bench-ship clean

deps:
	bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

# Self-contained binaries (the Swift runtime linked in): copy them to /usr/local/bin on the web hosts.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib --product logsplit
	$(SWIFT) build -c release --static-swift-stdlib --product logdump
	@echo "binaries: $$($(SWIFT) build -c release --static-swift-stdlib --show-bin-path)/{logsplit,logdump}"

# Builds everything, runs each fuzz target over its corpus for a bounded time, then every test (unit and
# end-to-end with real cronolog, Apache httpd, sshd+rsync, SeaweedFS S3, ...). Swift Testing's summary is last.
test: deps
	$(SWIFT) build --build-tests
	bash scripts/fuzz.sh
	$(SWIFT) test --skip-build

# The libFuzzer targets of Fuzz/ for a bounded time (FUZZ_SECONDS per target); see Fuzz/README.md.
fuzz: deps
	bash scripts/fuzz.sh

# Apache-style traffic through logsplit, logdump shipping the closed hours to a local directory, tree printed.
demo: deps
	$(SWIFT) build --product logsplit
	$(SWIFT) build --product logdump
	bash scripts/demo.sh

bench: deps
	bash scripts/bench-split.sh

bench-compress: deps
	bash scripts/bench-compress.sh

# logdump against zstd + aws s3 cp / rsync, on private loopback SeaweedFS and sshd; 20 hosts into one bucket.
bench-ship: deps
	bash scripts/bench-ship.sh

clean:
	rm -rf .build demo-out
