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

// TestCallHelpRawArgs: --help says what the README says of --raw's
// arguments: how to pass NULL, and that variadic signatures are refused.
func TestCallHelpRawArgs(t *testing.T) {
	long := newCallCmd().Long
	for _, want := range []string{"null (or NULL)", `\null`, "variadic"} {
		if !strings.Contains(long, want) {
			t.Errorf("call --help lacks %q", want)
		}
	}
}

// TestStdinNotLoaded: call and compare load a file by its path; "-" is a
// usage error that says so, not a file looked for in the current directory.
func TestStdinNotLoaded(t *testing.T) {
	for _, args := range [][]string{{"call", "-", "Run"}, {"call", "--raw", "-", "f"}, {"compare", "-"}} {
		var out, errb strings.Builder
		code := Run(args, strings.NewReader(""), &out, &errb)
		if code != exitUsage || !strings.Contains(errb.String(), "standard input") {
			t.Errorf("%v: exit %d, stderr %q; want a usage error about standard input", args, code, errb.String())
		}
	}
}
