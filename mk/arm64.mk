# mk/arm64.mk — arm64 builds, included from the Makefile. They need
# Debian's gcc-aarch64-linux-gnu and libc6-dev-arm64-cross, and qemu-user
# to run (.ci/install-deps installs them).
#
# arm64: soinspect cross-built for arm64 (bin/soinspect-linux-arm64, the
# child soinspect runs an AArch64 object in, under qemu-aarch64) and the
# plugins for arm64 (bin/plugins/arm64/<name>.so).
# arm64-demo: call and compare on plugin1 for arm64, run under qemu-aarch64.

ARM64_ENV   := CC=aarch64-linux-gnu-gcc GOARCH=arm64 CGO_ENABLED=1
ARM64_DIR   := $(PLUGIN_DIR)/arm64
ARM64_SOS   := $(patsubst %,$(ARM64_DIR)/%.so,$(PLUGINS))

.PHONY: arm64 arm64-demo

## arm64: bin/soinspect-linux-arm64 (the child for AArch64 objects, run under qemu-aarch64) and bin/plugins/arm64/*.so.
arm64: $(BIN)/soinspect-linux-arm64 $(ARM64_SOS)

$(BIN)/soinspect-linux-arm64: $(GO_SOURCES)
	$(ARM64_ENV) $(GO) build -o $@ ./cmd/soinspect

$(ARM64_DIR)/%.so: $(GO_SOURCES)
	@mkdir -p $(ARM64_DIR)
	$(ARM64_ENV) $(GO) build -buildmode=plugin -o $@ ./plugins/$*

## arm64-demo: call and compare on plugin1 built for arm64, each child under qemu-aarch64.
arm64-demo: $(BIN)/soinspect arm64
	@echo; echo '== soinspect call --raw --sig long() $(ARM64_DIR)/plugin1.so Answer   (under qemu-aarch64)'
	@$(SOINSPECT) call --raw --sig 'long()' $(ARM64_DIR)/plugin1.so Answer
	@echo; echo '== soinspect call --raw $(ARM64_DIR)/plugin1.so init   (crashes: the stack check through X28, explained)'
	@$(SOINSPECT) call --raw $(ARM64_DIR)/plugin1.so init; test $$? -eq 1
	@echo; echo '== soinspect compare $(ARM64_DIR)/plugin1.so'
	@$(SOINSPECT) compare $(ARM64_DIR)/plugin1.so
