package render_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/soinspect/soinspect/internal/render"
)

func TestDisplayWidth(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int
	}{
		{"", 0}, {"main.Run", 8}, {"日本語", 6}, {"é", 1}, {"e\u0301", 1}, {"…", 1}, {"┌─┐", 3},
	} {
		if got := render.DisplayWidth(tc.s); got != tc.want {
			t.Errorf("DisplayWidth(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
}

// TestDoubleWidth holds eliding, wrapping and whole tables to display
// columns: a CJK character takes two.
func TestDoubleWidth(t *testing.T) {
	name := "名前空間::日本語の関数名前(整数, 文字列)"
	for n := 8; n < render.DisplayWidth(name); n += 3 {
		for fn, got := range map[string]string{
			"Elide":     render.Elide(name, n),
			"ElideName": render.ElideName(name, n),
			"ElidePath": render.ElidePath("/データ/ライブラリ/日本語の名前.so", n),
		} {
			if w := render.DisplayWidth(got); w > n {
				t.Errorf("%s(…, %d) = %q, %d columns wide", fn, n, got, w)
			}
		}
		for _, line := range strings.Split(render.WrapText("日本語 の 文章 は 空白 で 区切られない ことが 多い 日本語の長い単語です", n), "\n") {
			if w := render.DisplayWidth(line); w > n {
				t.Errorf("WrapText(…, %d) line %q is %d columns wide", n, line, w)
			}
		}
	}

	tb := &render.Table{
		Title:  "関数の一覧",
		Header: []string{"ADDRESS", "NAME", "NOTE"},
		Kinds:  []render.Kind{render.Fixed, render.Name, render.Prose},
		Rows: [][]string{
			{"0x1000", name, "これは 長い 説明 です。 表の 幅に 合わせて 折り返されます。"},
			{"0x2000", "short", "ascii note that is long enough to wrap at forty columns"},
		},
	}
	for _, width := range []int{40, 60} {
		var buf bytes.Buffer
		if err := tb.Write(&buf, render.Options{Format: render.FormatTable, Width: width}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		boxW := -1
		for _, line := range lines {
			w := render.DisplayWidth(line)
			if w > width {
				t.Errorf("at %d columns a line is %d wide: %s", width, w, line)
			}
			if strings.HasPrefix(line, "┌") {
				boxW = -1 // a new box (one a row when the table is too wide)
			}
			if strings.HasPrefix(line, "│") || strings.HasPrefix(line, "┌") {
				if boxW >= 0 && w != boxW {
					t.Errorf("box lines differ in width (%d, %d): the columns do not line up:\n%s", boxW, w, buf.String())
					break
				}
				boxW = w
			}
		}
	}
}

func TestElidePath(t *testing.T) {
	checkElide(t, "ElidePath", render.ElidePath, false, []elideCase{
		{"github.com/soinspect/soinspect/plugins/plugin1", 100, "github.com/soinspect/soinspect/plugins/plugin1"},
		{"github.com/soinspect/soinspect/plugins/plugin1", 20, "…/plugins/plugin1"},
		{"github.com/soinspect/soinspect/plugins/plugin1", 12, "…/plugin1"},
		{"/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1", 30, "…/libLLVM-15.so.1"},
		{"noslashes-but-long", 10, "nos…t-long"},
	})
}

// TestWrapTextBreaksLongWords: a word wider than the line is broken after
// punctuation, never shortened.
func TestWrapTextBreaksLongWords(t *testing.T) {
	s := "plugin.Open(\"/tmp/soinspect-cli-output-3208838971/plugin1\"): plugin was built with a different version"
	got := render.WrapText(s, 24)
	if strings.Contains(got, "…") || strings.ReplaceAll(strings.ReplaceAll(got, "\n", ""), " ", "") != strings.ReplaceAll(s, " ", "") {
		t.Errorf("WrapText lost text:\n%s", got)
	}
	for _, l := range strings.Split(got, "\n") {
		if render.DisplayWidth(l) > 24 {
			t.Errorf("line %q is wider than 24", l)
		}
	}
	if !strings.Contains(got, "/tmp/\n") && !strings.Contains(got, "-\n") {
		t.Errorf("want the path broken after a / or a -:\n%s", got)
	}
}

// TestFitByKind: the table gives way by kind. Prose wraps, a path loses
// leading elements but never its last, a fixed column is never cut, and a
// table that cannot fit becomes one block a row.
func TestFitByKind(t *testing.T) {
	tb := &render.Table{
		Header: []string{"FILE", "PLUGINPATH", "HASH", "NOTE", "DIRECTORY"},
		Kinds:  []render.Kind{render.Path, render.Path, render.Fixed, render.Prose, render.Path},
		Rows: [][]string{{"plugin1.so", "github.com/soinspect/soinspect/plugins/plugin1", "0123456789abcdef",
			"pluginpath used by two different file names: only one loads", "/home/someone/projects/soinspect/bin/plugins"}},
	}
	var buf bytes.Buffer
	tb.Write(&buf, render.Options{Format: render.FormatTable, Width: 100})
	out := buf.String()
	for _, want := range []string{"plugin1.so", "/plugin1 ", "0123456789abcdef", "/plugins "} {
		if !strings.Contains(out, want) {
			t.Errorf("at 100 columns the table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "gith…") {
		t.Errorf("the pluginpath lost its middle:\n%s", out)
	}
	buf.Reset()
	tb.Write(&buf, render.Options{Format: render.FormatTable, Width: 40})
	out = buf.String()
	if !strings.Contains(out, "│ HASH       │ 0123456789abcdef") {
		t.Errorf("at 40 columns want one key: value block a row:\n%s", out)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if render.DisplayWidth(line) > 40 {
			t.Errorf("line wider than 40: %s", line)
		}
	}
}

// TestDisplayWidthFastPath holds the eight-bytes-at-a-time scan to the
// byte-by-byte rule: every byte value at every position of a 17-byte string.
func TestDisplayWidthFastPath(t *testing.T) {
	base := []byte("abcdefghijklmnopq")
	for pos := range base {
		for c := 0; c < 256; c++ {
			b := append([]byte(nil), base...)
			b[pos] = byte(c)
			s := string(b)
			printable := c >= 0x20 && c < 0x7f
			if got := render.Visible(s) == s; got != printable && c < 0x80 {
				t.Fatalf("Visible(%q) unchanged = %v, want %v", s, got, printable)
			}
			if printable && render.DisplayWidth(s) != len(s) {
				t.Fatalf("DisplayWidth(%q) = %d", s, render.DisplayWidth(s))
			}
		}
	}
}

// TestDocItemWraps: a bullet wraps under its text, every line within the
// width, and a line that fits keeps its spacing.
func TestDocItemWraps(t *testing.T) {
	var buf bytes.Buffer
	d := render.NewDoc(&buf, render.Options{Format: render.FormatTable, Width: 30})
	d.Item("  • ", "    ", strings.Repeat("word ", 40))
	d.Item("", "      ", "dlsym(0x1, \"f\") = 0x2   # fits")
	d.Flush()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if !strings.HasPrefix(lines[0], "  • word") || !strings.HasPrefix(lines[1], "    word") {
		t.Errorf("bullet lines: %q", lines[:2])
	}
	for _, l := range lines {
		if render.DisplayWidth(l) > 30 {
			t.Errorf("line wider than 30: %q", l)
		}
	}
	if lines[len(lines)-1] != "dlsym(0x1, \"f\") = 0x2   # fits" {
		t.Errorf("a line that fits lost its spacing: %q", lines[len(lines)-1])
	}
}
