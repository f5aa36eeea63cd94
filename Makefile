# Thin wrapper over Meson so that a fresh Debian 12 machine needs two commands:
#   make run    installs what is missing, builds, runs the seed scenario
#   make test   installs what is missing, builds (normal + ASan/UBSan), runs every test
#               (and the threaded ones under ThreadSanitizer, scripts/tsan.sh)
BUILD      ?= build
BUILD_SAN  ?= build-san
BUILD_TSAN ?= build-tsan
ARGS       ?=

.PHONY: all deps build build-san run test clean

all: build

deps:
	@scripts/deps.sh

# The default build type is debugoptimized (meson.build's default_options).
$(BUILD)/build.ninja:
	meson setup $(BUILD)

$(BUILD_SAN)/build.ninja:
	CC=clang meson setup $(BUILD_SAN) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false -Dsanitized=true

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

build-san: deps $(BUILD_SAN)/build.ninja
	ninja -C $(BUILD_SAN)

run: build
	$(BUILD)/memvisor run $(ARGS)

test: build build-san
	@scripts/test.sh $(BUILD) $(BUILD_SAN) $(BUILD_TSAN)

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_TSAN)
