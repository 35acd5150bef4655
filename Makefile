# soinspect — build, demo, test, bench.
#
# Everything lands in bin/: the soinspect binary, the demo host, and every
# plugin under plugins/ as bin/plugins/<name>.so.

GO          ?= go
CC          ?= $(shell $(GO) env CC)
BIN         := bin
PLUGIN_DIR  := $(BIN)/plugins
PLUGIN_NUMBER ?= 1
FUZZTIME    ?= 20s

# Every directory under plugins/ with a main.go is a plugin.
PLUGINS     := $(patsubst plugins/%/main.go,%,$(wildcard plugins/*/main.go))
PLUGIN_SOS  := $(patsubst %,$(PLUGIN_DIR)/%.so,$(PLUGINS))
GO_SOURCES  := $(shell find . -name '*.go' -not -path './bin/*') go.mod go.sum

.PHONY: all build run demo test test-full bench fuzz clean specimens specimens-go127 c-demo

all: build

build: $(BIN)/soinspect $(BIN)/pluginhost specimens

$(BIN)/soinspect: $(GO_SOURCES)
	$(GO) build -o $@ ./cmd/soinspect

$(BIN)/pluginhost: $(GO_SOURCES)
	$(GO) build -o $@ ./cmd/pluginhost

$(PLUGIN_DIR)/%.so: $(GO_SOURCES)
	@mkdir -p $(PLUGIN_DIR)
	$(GO) build -buildmode=plugin -o $@ ./plugins/$*

# Special builds of the specimens: stripped, -trimpath, built from a file
# (pluginpath plugin/unnamed-<hash>), and c-shared for contrast; plugin1
# with -trimpath and -race, which call and compare load in a probe host
# built to match.
SPECIAL_SOS := $(PLUGIN_DIR)/kitchensink-stripped.so $(PLUGIN_DIR)/kitchensink-trimpath.so \
               $(PLUGIN_DIR)/fromfile-unnamed.so $(PLUGIN_DIR)/kitchensink-cshared.so \
               $(PLUGIN_DIR)/plugin1-trimpath.so $(PLUGIN_DIR)/plugin1-race.so

$(PLUGIN_DIR)/kitchensink-stripped.so: $(GO_SOURCES)
	@mkdir -p $(PLUGIN_DIR)
	$(GO) build -buildmode=plugin -ldflags='-s -w' -o $@ ./plugins/kitchensink

$(PLUGIN_DIR)/kitchensink-trimpath.so: $(GO_SOURCES)
	@mkdir -p $(PLUGIN_DIR)
	$(GO) build -buildmode=plugin -trimpath -o $@ ./plugins/kitchensink

$(PLUGIN_DIR)/fromfile-unnamed.so: $(GO_SOURCES)
	@mkdir -p $(PLUGIN_DIR)
	$(GO) build -buildmode=plugin -o $@ plugins/fromfile/main.go

$(PLUGIN_DIR)/plugin1-trimpath.so: $(GO_SOURCES)
	@mkdir -p $(PLUGIN_DIR)
	$(GO) build -buildmode=plugin -trimpath -o $@ ./plugins/plugin1

$(PLUGIN_DIR)/plugin1-race.so: $(GO_SOURCES)
	@mkdir -p $(PLUGIN_DIR)
	$(GO) build -buildmode=plugin -race -o $@ ./plugins/plugin1

$(PLUGIN_DIR)/kitchensink-cshared.so: $(GO_SOURCES)
	@mkdir -p $(PLUGIN_DIR)
	$(GO) build -buildmode=c-shared -o $@ ./plugins/kitchensink

## specimens: every plugin, plus the special builds above.
specimens: $(PLUGIN_SOS) $(SPECIAL_SOS)

## specimens-go127: kitchensink and plugin1 built by go1.27.3 (fetched through the module proxy, ~76 MB once).
specimens-go127: $(PLUGIN_DIR)/kitchensink-go1.27.so $(PLUGIN_DIR)/plugin1-go1.27.so
$(PLUGIN_DIR)/kitchensink-go1.27.so: $(GO_SOURCES)
	@mkdir -p $(PLUGIN_DIR)
	GOTOOLCHAIN=go1.27.3 $(GO) build -buildmode=plugin -o $@ ./plugins/kitchensink

$(PLUGIN_DIR)/plugin1-go1.27.so: $(GO_SOURCES)
	@mkdir -p $(PLUGIN_DIR)
	GOTOOLCHAIN=go1.27.3 $(GO) build -buildmode=plugin -o $@ ./plugins/plugin1

## run: the classic demo — the host loads plugin$(PLUGIN_NUMBER).so and calls Run.
run: $(BIN)/pluginhost $(PLUGIN_SOS)
	./$(BIN)/pluginhost -dir $(PLUGIN_DIR) -n $(PLUGIN_NUMBER)

# A C++ library every machine with gcc has, for the symbols demo.
CXX_LIB     := $(firstword $(wildcard /usr/lib/*/libstdc++.so.6 /usr/lib64/libstdc++.so.6 /lib/*/libstdc++.so.6))
SOINSPECT   := ./$(BIN)/soinspect

# plugin1 built with -race: the incompatible plugin of the check demo.
$(BIN)/demo/plugin1-race.so: $(GO_SOURCES)
	@mkdir -p $(BIN)/demo
	$(GO) build -buildmode=plugin -race -o $@ ./plugins/plugin1

## demo: the main job on the bundled plugins.
demo: build $(BIN)/demo/plugin1-race.so
	@echo; echo '== make run: the classic demo, plugin1 then plugin2, same host'
	@$(MAKE) --no-print-directory run PLUGIN_NUMBER=1
	@$(MAKE) --no-print-directory run PLUGIN_NUMBER=2
	@echo; echo '== soinspect symbols $(PLUGIN_DIR)/plugin1.so'
	@$(SOINSPECT) symbols $(PLUGIN_DIR)/plugin1.so
	@echo; echo '== soinspect symbols --match basic_string::append --defined-only $(CXX_LIB)'
	@$(SOINSPECT) symbols --match 'basic_string<char.*::append\(' --defined-only $(CXX_LIB)
	@echo; echo '== soinspect plugin $(PLUGIN_DIR)/plugin1.so'
	@$(SOINSPECT) plugin $(PLUGIN_DIR)/plugin1.so
	@$(MAKE) --no-print-directory lab-demo
	@echo; echo "== soinspect check --require 'Run:func() string' $(BIN)/pluginhost plugin1.so plugin2.so: compatible (exit 0)"
	@$(SOINSPECT) check --require 'Run:func() string' $(BIN)/pluginhost $(PLUGIN_DIR)/plugin1.so $(PLUGIN_DIR)/plugin2.so
	@echo; echo '== soinspect check $(BIN)/pluginhost plugin1-race.so: plugin1 built with -race, the host without (exit 1 expected)'
	@$(SOINSPECT) check $(BIN)/pluginhost $(BIN)/demo/plugin1-race.so; test $$? -eq 1
	@echo; echo '== soinspect scan --host $(BIN)/pluginhost $(BIN)/demo $(PLUGIN_DIR)'
	@COLUMNS=120 $(SOINSPECT) scan --host $(BIN)/pluginhost $(BIN)/demo $(PLUGIN_DIR); test $$? -le 1

# The tests build the specimens they need once per run into this cache,
# shared by the test binaries and reused while the sources stay the same
# (see internal/specimen/cache.go); make clean removes it.
SPECIMEN_CACHE ?= $(or $(SOINSPECT_TEST_CACHE),$(or $(TMPDIR),/tmp)/soinspect-test-$(shell id -u))

## test: the whole suite; the whole-system sweeps take a fixed sample.
test:
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) build ./...
	$(GO) test -count=1 -timeout 30m ./...
	$(GO) test -count=1 -race -run 'Concurrent' ./cdl/... ./disasm/...

## test-full: the whole suite with the sweeps run whole (every system library, every generated name).
test-full:
	SOINSPECT_TEST_FULL=1 $(MAKE) --no-print-directory test

## bench: the Go benchmarks, then soinspect against nm and ldd -r in one run, as ratios
## (deps --bindings on libLLVM and over the whole system library directory: goals 0.5x and 0.2x, 64 MiB).
bench: $(BIN)/soinspect $(BIN)/bench/big.so
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...
	$(GO) run ./internal/tools/peerbench -soinspect $(BIN)/soinspect -plugin $(BIN)/bench/big.so

# A plugin linking ~35 std packages (≈20 MB): the "large Go plugin" of the benchmarks.
$(BIN)/bench/big.so: testdata/bigplugin/main.go testdata/bigdeps/bigdeps.go
	@mkdir -p $(BIN)/bench
	$(GO) build -buildmode=plugin -o $@ ./testdata/bigplugin

## fuzz: run every fuzz target for FUZZTIME each.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$t"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

include mk/*.mk

clean:
	rm -rf $(BIN) $(SPECIMEN_CACHE)
	$(GO) clean -testcache
