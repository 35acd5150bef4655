package render_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/soinspect/soinspect/internal/render"
	"github.com/soinspect/soinspect/internal/specimen"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func sample() *render.Table {
	return &render.Table{
		Title:  "Symbols",
		Header: []string{"ADDRESS", "SIZE", "NAME"},
		Rows: [][]string{
			{"0x1000", "10", "main.Run"},
			{"0x2000", "2", "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::_M_replace(unsigned long, unsigned long, char const*, unsigned long)"},
			{"0x3000", "", "short"},
			{"0x4000", "1", "tab\there"},
		},
		Right:  []int{1},
		Kinds:  []render.Kind{render.Fixed, render.Fixed, render.Name},
		Footer: "3 symbols",
	}
}

func TestGolden(t *testing.T) {
	for _, f := range []render.Format{render.FormatTable, render.FormatPlain, render.FormatMarkdown} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := sample().Write(&buf, render.Options{Format: f, Width: 72}); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "table."+string(f)+".golden")
			if *update {
				specimen.WriteFile(t, golden, buf.Bytes(), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s output differs from %s:\n%s", f, golden, buf.String())
			}
		})
	}
}

func TestTableFitsWidth(t *testing.T) {
	var buf bytes.Buffer
	if err := sample().Write(&buf, render.Options{Format: render.FormatTable, Width: 72}); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if n := utf8.RuneCountInString(line); n > 72 {
			t.Errorf("line is %d columns wide, want ≤ 72: %q", n, line)
		}
	}
}

func TestPlainKeepsFullNames(t *testing.T) {
	var buf bytes.Buffer
	if err := sample().Write(&buf, render.Options{Format: render.FormatPlain, Width: 72}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "_M_replace(unsigned long, unsigned long, char const*, unsigned long)") {
		t.Errorf("plain output elided a name:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "0x3000\t-\tshort\n") {
		t.Errorf("plain output must print an empty cell as -:\n%s", buf.String())
	}
}

func TestJSONOneLine(t *testing.T) {
	var buf bytes.Buffer
	if err := render.JSON(&buf, map[string]any{"file": "a<b>.so", "n": 1}); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), `{"file":"a<b>.so","n":1}`+"\n"; got != want {
		t.Errorf("JSON = %q, want %q", got, want)
	}
	if err := sample().Write(&buf, render.Options{Format: render.FormatJSON, Width: 72}); err == nil {
		t.Error("a table written as JSON must be refused")
	}
}

func TestParseFormat(t *testing.T) {
	for _, s := range []string{"table", "plain", "markdown", "json"} {
		if f, err := render.ParseFormat(s); err != nil || string(f) != s {
			t.Errorf("ParseFormat(%q) = %q, %v", s, f, err)
		}
	}
	if _, err := render.ParseFormat("xml"); err == nil {
		t.Error("ParseFormat(xml) succeeded")
	}
}

// elideCase is one input of an eliding function and what it must give.
type elideCase struct {
	s    string
	n    int
	want string
}

// checkElide runs elide, named name, on every case; bounded also checks
// that no result is longer than its n runes.
func checkElide(t *testing.T, name string, elide func(string, int) string, bounded bool, cases []elideCase) {
	t.Helper()
	for _, tc := range cases {
		got := elide(tc.s, tc.n)
		if got != tc.want {
			t.Errorf("%s(%q, %d) = %q, want %q", name, tc.s, tc.n, got, tc.want)
		}
		if bounded && utf8.RuneCountInString(got) > tc.n {
			t.Errorf("%s(%q, %d) is too long: %q", name, tc.s, tc.n, got)
		}
	}
}

func TestElide(t *testing.T) {
	checkElide(t, "Elide", render.Elide, true, []elideCase{
		{"short", 10, "short"},
		{"abcdefghijklmnopqrstuvwxyz", 11, "abcd…uvwxyz"},
		{"αβγδεζηθικλμ", 6, "αβ…κλμ"},
	})
}

func TestElideName(t *testing.T) {
	checkElide(t, "ElideName", render.ElideName, true, []elideCase{
		{"std::basic_string<char, std::char_traits<char>, std::allocator<char> >::append(char const*)", 50,
			"std::basic_string<…>::append(char const*)"},
		{"std::map<int, std::string>::operator<(std::map<int, std::string> const&)", 40,
			// operator< unbalances the brackets after the first group: the
			// middle goes instead.
			"std::map<……map<int, std::string> const&)"},
		{"example.com/p.Map[go.shape.string,go.shape.int].Get", 30, "example.com/p.Map[…].Get"},
		{"short", 10, "short"},
	})
}

// TestPlainFieldsSplit: plain records split into exactly their cells on a
// tab, whatever spaces a cell holds (a C++ name, a Go type, a sentence).
func TestPlainFieldsSplit(t *testing.T) {
	var buf bytes.Buffer
	if err := sample().Write(&buf, render.Options{Format: render.FormatPlain}); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		if f := strings.Split(line, "\t"); len(f) != 3 {
			t.Errorf("%d tab-separated fields, want 3: %q", len(f), line)
		}
	}
}
