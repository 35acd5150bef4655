package cdl_test

import (
	"errors"
	"testing"

	"github.com/soinspect/soinspect/cdl"
)

func TestFlagNames(t *testing.T) {
	for _, tt := range []struct {
		f           cdl.Flag
		name, cname string
	}{
		{0, "0", "0"},
		{cdl.Lazy, "Lazy", "RTLD_LAZY"},
		{cdl.Now | cdl.Global, "Now|Global", "RTLD_NOW|RTLD_GLOBAL"},
		{cdl.Lazy | cdl.Local | cdl.NoDelete | cdl.NoLoad | cdl.DeepBind,
			"Lazy|Local|NoDelete|NoLoad|DeepBind", "RTLD_LAZY|RTLD_LOCAL|RTLD_NODELETE|RTLD_NOLOAD|RTLD_DEEPBIND"},
		{cdl.Now | 1<<20, "Now|0x100000", "RTLD_NOW|0x100000"},
	} {
		if got := tt.f.String(); got != tt.name {
			t.Errorf("%#x.String() = %q, want %q", uint32(tt.f), got, tt.name)
		}
		if got := tt.f.CName(); got != tt.cname {
			t.Errorf("%#x.CName() = %q, want %q", uint32(tt.f), got, tt.cname)
		}
	}
	if cdl.AllFlags.String() != "Lazy|Now|Global|Local|NoDelete|NoLoad|DeepBind" {
		t.Errorf("AllFlags = %v", cdl.AllFlags)
	}
}

func TestParseFlag(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    cdl.Flag
		wantErr string
	}{
		{"", 0, ""},
		{"lazy", cdl.Lazy, ""},
		{"now,global", cdl.Now | cdl.Global, ""},
		{"RTLD_NOW|RTLD_GLOBAL", cdl.Now | cdl.Global, ""},
		{"Now|Global", cdl.Now | cdl.Global, ""},
		{" rtld_nodelete , NOLOAD deepBind ", cdl.NoDelete | cdl.NoLoad | cdl.DeepBind, ""},
		{"lazy,now", 0, `parse flags "lazy,now": Lazy and Now are exclusive`},
		{"global|local", 0, `parse flags "global|local": Global and Local are exclusive`},
		{"eager", 0, `parse flags "eager": unknown flag "eager" (want Lazy, Now, Global, Local, NoDelete, NoLoad, DeepBind)`},
		{"RTLD_", 0, `parse flags "RTLD_": unknown flag "RTLD_" (want Lazy, Now, Global, Local, NoDelete, NoLoad, DeepBind)`},
	} {
		got, err := cdl.ParseFlag(tt.in)
		if tt.wantErr != "" {
			var e *cdl.Error
			if err == nil || err.Error() != tt.wantErr || !errors.As(err, &e) {
				t.Errorf("ParseFlag(%q) = %v, %v; want error %s", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseFlag(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	// Every valid set reads back from both spellings.
	for f := cdl.Flag(1); f <= cdl.AllFlags; f++ {
		if f&(cdl.Lazy|cdl.Now) == cdl.Lazy|cdl.Now || f&(cdl.Global|cdl.Local) == cdl.Global|cdl.Local {
			continue
		}
		for _, s := range []string{f.String(), f.CName()} {
			if got, err := cdl.ParseFlag(s); err != nil || got != f {
				t.Errorf("ParseFlag(%q) = %v, %v; want %v", s, got, err, f)
			}
		}
	}
}
