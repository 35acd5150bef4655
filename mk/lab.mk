# mk/lab.mk — the loading lab's targets, included from the Makefile.
#
# c-demo: the Go 1.8 demo's C prototype made safe: c/host.c dlopens
# plugin1.so with RTLD_LAZY, calls its leaf Answer (returns 42) and its
# init.0 (crashes, caught in a forked child; its prologue is shown first,
# decoded by soinspect disasm), then calls a -buildmode=c-shared library's
# //export'ed functions, the supported way for C hosts.

C_BIN      := $(BIN)/c
C_HOST     := $(C_BIN)/host
C_CSHARED  := $(C_BIN)/libsoinspect_cshared.so
C_CFLAGS   ?= -O2 -g
C_WARN     := -Wall -Wextra -Werror

# The plugin's own prefix: the package whose <pluginpath>.main is exported
# (a plugin is package main; its main lands in .dynsym under the pluginpath).
lab_pluginpath = $$(nm -D --defined-only $(1) | sed -n 's/^[0-9a-f]* T \(.*\)\.main$$/\1/p' | head -n 1)

$(C_HOST): c/host.c
	@mkdir -p $(C_BIN)
	$(CC) $(C_WARN) $(C_CFLAGS) -o $@ c/host.c -ldl

$(C_CSHARED): $(wildcard c/cshared/*.go) go.mod
	@mkdir -p $(C_BIN)
	$(GO) build -buildmode=c-shared -o $@ ./c/cshared

.PHONY: c-demo
## c-demo: a C host calls into a Go plugin (leaf returns, init crashes) and a c-shared library.
c-demo: $(C_HOST) $(C_CSHARED) $(PLUGIN_DIR)/plugin1.so $(BIN)/soinspect
	@echo '== soinspect disasm --count 4 plugin1.so init.0: the prologue the C host is about to call, decoded from the file'
	@./$(BIN)/soinspect disasm --count 4 $(PLUGIN_DIR)/plugin1.so init.0
	./$(C_HOST) $(PLUGIN_DIR)/plugin1.so "$(call lab_pluginpath,$(PLUGIN_DIR)/plugin1.so)" $(C_CSHARED)

.PHONY: lab-demo
## lab-demo: the loading lab on plugin1 — the Go way, the raw way (init crashes: exit 1 expected), compare, the C host.
lab-demo: $(BIN)/soinspect $(PLUGIN_DIR)/plugin1.so
	@echo; echo '== soinspect call $(PLUGIN_DIR)/plugin1.so Run: the Go way (plugin.Open runs the inits, Lookup, reflect call)'
	@./$(BIN)/soinspect call $(PLUGIN_DIR)/plugin1.so Run
	@echo; echo "== soinspect call --raw --sig 'long()' $(PLUGIN_DIR)/plugin1.so Answer: the C way; a leaf returns"
	@./$(BIN)/soinspect call --raw --sig 'long()' $(PLUGIN_DIR)/plugin1.so Answer
	@echo; echo '== soinspect call --raw --trace $(PLUGIN_DIR)/plugin1.so init: the C way; init crashes (exit status 1 expected)'
	@./$(BIN)/soinspect call --raw --trace $(PLUGIN_DIR)/plugin1.so init; test $$? -eq 1
	@echo; echo '== soinspect compare $(PLUGIN_DIR)/plugin1.so: both ways side by side'
	@./$(BIN)/soinspect compare $(PLUGIN_DIR)/plugin1.so
	@echo; echo '== make c-demo: a C host calls into a Go plugin and a c-shared library'
	@$(MAKE) --no-print-directory c-demo
