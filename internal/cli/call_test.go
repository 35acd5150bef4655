package cli

import (
	"strings"
	"testing"

	"github.com/soinspect/soinspect/cdl"
	"github.com/soinspect/soinspect/internal/probe"
)

func TestParseFlags(t *testing.T) {
	for _, c := range []struct {
		in      string
		want    cdl.Flag
		wantErr bool
	}{
		{"lazy", cdl.Lazy, false},
		{"now,global", cdl.Now | cdl.Global, false},
		{"RTLD_NOW|RTLD_GLOBAL", cdl.Now | cdl.Global, false},
		{"global", cdl.Lazy | cdl.Global, false},
		{"noload,deepbind", cdl.Lazy | cdl.NoLoad | cdl.DeepBind, false},
		{"lazy,now", 0, true},
		{"global,local", 0, true},
		{"eager", 0, true},
	} {
		got, err := parseFlags(c.in)
		if (err != nil) != c.wantErr || err == nil && got != c.want {
			t.Errorf("parseFlags(%q) = %v, %v; want %v, error %v", c.in, got, err, c.want, c.wantErr)
		}
		if _, ok := err.(usageError); err != nil && !ok {
			t.Errorf("parseFlags(%q): %T is not a usage error", c.in, err)
		}
	}
}

func TestSplitReport(t *testing.T) {
	crash := &probe.Crash{Report: []string{"fatal error: runtime: no plugin module data"}}
	before, report, ok := splitReport("ctor says hi\nfatal error: runtime: no plugin module data\n\ngoroutine 1 [running]:\n", crash)
	if !ok || before != "ctor says hi\n" || !strings.HasPrefix(report, "fatal error:") {
		t.Errorf("split = %q, %q, %v", before, report, ok)
	}
	// A stream without the report is shown as it is.
	if _, _, ok := splitReport("init output only\n", crash); ok {
		t.Error("a stream without the report was taken for it")
	}
	if _, _, ok := splitReport("x\n", nil); ok {
		t.Error("no crash, yet a report")
	}
}
