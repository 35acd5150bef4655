# mk/report.mk — the HTML report's demo, included from the Makefile.

REPORT_DEMO := $(BIN)/report-demo

.PHONY: report-demo
## report-demo: soinspect report on plugin1 (--load), kitchensink (--host), libstdc++ and a C program,
## each opened in headless chromium (.ci/install-deps installs it); pages, screenshots, PDF handouts and
## readme.png (docs/report.png) in bin/report-demo/.
report-demo:
	@mkdir -p $(REPORT_DEMO)
	SOINSPECT_REPORT_DEMO=$(abspath $(REPORT_DEMO)) $(GO) test -count=1 -run '^TestBrowser$$' -v ./internal/report/
	@echo; echo '== pages, screenshots, PDF handouts and readme.png (cp it to docs/report.png to redraw the README picture) in $(REPORT_DEMO)/'; ls -l $(REPORT_DEMO)
