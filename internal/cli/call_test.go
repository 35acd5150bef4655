package cli

import (
	"testing"

	"github.com/soinspect/soinspect/cdl"
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
