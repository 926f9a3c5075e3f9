# logsplit: common tasks. `make demo` and `make test` work on a fresh Debian machine with Swift installed.
SWIFT ?= swift

.PHONY: deps build release test fuzz demo bench bench-compress bench-ship clean \
	release-binaries man completions install deb rpm man-generated

# Release builds, installation and packages (README "Install") share one scratch path, so the release binaries
# are built once and reused by `make install`, `make deb` and `make rpm`.
PKG_SCRATCH ?= $(CURDIR)/.build-pkg
BUILD_INFO_DIR = $(PKG_SCRATCH)/build-info
RELEASE_FLAGS = -c release --static-swift-stdlib --scratch-path $(PKG_SCRATCH) -Xcc -I -Xcc $(BUILD_INFO_DIR)
RELEASE_DIR = $(PKG_SCRATCH)/release
STAGE = $(PKG_SCRATCH)/stage
VERSION := $(shell sed -n 's/^\#define LOGSPLIT_RELEASE "\(.*\)"/\1/p' Sources/CBuildInfo/release.h)

# `make install` layout (GNU names). /etc and /var are not under PREFIX: logdump reads /etc/logdump.toml and
# keeps its state in /var/lib/logdump by default.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/logsplit
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
STATEDIR ?= /var/lib/logdump
# Who the packages name as maintainer (control file, changelogs): set it to the team that ships them.
PACKAGE_MAINTAINER ?= logsplit maintainers <logsplit-maintainers@example.org>
# xz level of both packages' payloads: 6 is dpkg's default; make test's check uses 1 (the same files, 4x faster).
PACKAGE_COMPRESSION_LEVEL ?= 6

deps:
	bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

# Self-contained binaries (the Swift runtime linked in), their --version naming the git commit.
release: release-binaries
	@echo "binaries: $(RELEASE_DIR)/{logsplit,logdump}; stripped copies in $(STAGE)/bin"

release-binaries: deps
	bash scripts/build-info.sh $(BUILD_INFO_DIR)
	$(SWIFT) build $(RELEASE_FLAGS) --product logsplit
	$(SWIFT) build $(RELEASE_FLAGS) --product logdump
	mkdir -p $(STAGE)/bin
	for program in logsplit logdump; do \
	  strip --strip-unneeded --remove-section=.comment --remove-section=.note \
	    -o $(STAGE)/bin/$$program $(RELEASE_DIR)/$$program || exit 1; \
	done

# Manual pages: argument-parser's generated part (packaging/man/generated, `make man-generated`) merged with
# the hand-written sections and the README's exit-status tables; logdump.toml(5) from Config/logdump.toml.
man:
	python3 scripts/man-pages.py --out $(STAGE)/man

# Regenerates packaging/man/generated/ with swift-argument-parser's generate-manual plugin (after an option changed).
man-generated:
	bash scripts/man-generated.sh

# bash sources its completions: the generated script's #! line is dropped.
completions: release-binaries
	mkdir -p $(STAGE)/completions
	for program in logsplit logdump; do \
	  $(STAGE)/bin/$$program --generate-completion-script bash | sed '1{/^#!/d}' >$(STAGE)/completions/$$program.bash && \
	  $(STAGE)/bin/$$program --generate-completion-script zsh >$(STAGE)/completions/_$$program && \
	  $(STAGE)/bin/$$program --generate-completion-script fish >$(STAGE)/completions/$$program.fish || exit 1; \
	done

# `make install PREFIX=/usr DESTDIR=/tmp/root`: binaries, manual pages, completions, /etc/logdump.toml (kept when
# present), the cron file and the systemd units (neither enabled), /var/lib/logdump 0750.
install: release-binaries man completions
	bash scripts/install-tree.sh "$(DESTDIR)" BINDIR=$(BINDIR) MANDIR=$(MANDIR) DOCDIR=$(DOCDIR) \
	  SYSCONFDIR=$(SYSCONFDIR) UNITDIR=$(UNITDIR) BASHCOMPDIR=$(BASHCOMPDIR) ZSHCOMPDIR=$(ZSHCOMPDIR) \
	  FISHCOMPDIR=$(FISHCOMPDIR) STATEDIR=$(STATEDIR) STAGE=$(STAGE)

# Debian packages in $(PKG_SCRATCH)/packages: logsplit_VERSION_amd64.deb and the opt-in logsplit-cronolog.
deb: release-binaries man completions
	PACKAGE_MAINTAINER="$(PACKAGE_MAINTAINER)" PACKAGE_COMPRESSION_LEVEL=$(PACKAGE_COMPRESSION_LEVEL) \
	  bash packaging/debian/build-deb.sh $(PKG_SCRATCH) $(VERSION)

# RHEL-family package (rpmbuild from Debian's rpm package), the same files as the .deb.
rpm: release-binaries man completions
	PACKAGE_MAINTAINER="$(PACKAGE_MAINTAINER)" PACKAGE_COMPRESSION_LEVEL=$(PACKAGE_COMPRESSION_LEVEL) \
	  bash packaging/rpm/build-rpm.sh $(PKG_SCRATCH) $(VERSION)

# Builds everything, checks the packages (release build, .deb/.rpm, lintian, installed into a throw-away root:
# scripts/check-packages.sh), runs each fuzz target over its corpus for a bounded time, then every test (unit and
# end-to-end with real cronolog, Apache httpd, sshd+rsync, SeaweedFS S3, ...). Swift Testing's summary is last.
test: deps
	$(SWIFT) build --build-tests
	bash scripts/check-packages.sh
	bash scripts/fuzz.sh
	LOGSPLIT_RELEASE_DIR=$(RELEASE_DIR) $(SWIFT) test --skip-build

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
	rm -rf .build demo-out $(PKG_SCRATCH)
