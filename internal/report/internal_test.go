package report

import (
	"math"
	"strings"
	"testing"
)

func TestVisibleAndEsc(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain.Name", "plain.Name"},
		{"<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"},
		{`</svg><script>alert("x")</script>`, "&lt;/svg&gt;&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"},
		{"a\x1b[31mb", `a\x1b[31mb`},
		{"tab\there\nnl", `tab\x09here\x0anl`},
		{"abc\u202egnp.exe", "abc&lt;U+202E&gt;gnp.exe"},
		{"x\u2066y\u2069", "x&lt;U+2066&gt;y&lt;U+2069&gt;"},
		{"zw\u200bj", "zw&lt;U+200B&gt;j"},
		{"bad\xffutf8", `bad\xffutf8`},
		{"c1\u0085", `c1\u0085`},
		{"日本語 é", "日本語 é"},
		{"a&b 'q'", "a&amp;b &#39;q&#39;"},
	} {
		if got := esc(c.in); got != c.want {
			t.Errorf("esc(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestJSONText(t *testing.T) {
	got := jsonText([]byte(`["</script><!--", "a&b", "` + "\u2028\u2029" + `"]`))
	for _, bad := range []string{"<", ">", "&", "\u2028", "\u2029"} {
		if strings.Contains(got, bad) {
			t.Errorf("jsonText left %q in %s", bad, got)
		}
	}
	// Exactly these escapes, and every other byte as it is, even where
	// the text is not UTF-8.
	for _, c := range []struct{ in, want string }{
		{`{"a":"</script>"}`, `{"a":"\u003c/script\u003e"}`},
		{"x&y\u2028z\u2029", `x\u0026y\u2028z\u2029`},
		{"\xe2\x80\xa8\xe2\x80\xa9", `\u2028\u2029`},
		{"\xe2\x80", "\xe2\x80"},
		{"\xe2\x80\xaa \xff é", "\xe2\x80\xaa \xff é"},
		{"", ""},
	} {
		if got := jsonText([]byte(c.in)); got != c.want {
			t.Errorf("jsonText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestSquarify: the rectangles tile the area: inside it, areas in
// proportion to the sizes.
func TestSquarify(t *testing.T) {
	sizes := []float64{500, 433, 120, 80, 80, 40, 10, 3, 1, 0}
	r := rect{10, 20, 600, 300}
	rs := squarify(sizes, r)
	var total float64
	for _, s := range sizes {
		total += s
	}
	for i, q := range rs {
		want := sizes[i] / total * r.w * r.h
		if math.Abs(q.w*q.h-want) > 1e-6*r.w*r.h {
			t.Errorf("rect %d: area %.2f, want %.2f", i, q.w*q.h, want)
		}
		if sizes[i] > 0 && (q.x < r.x-1e-9 || q.y < r.y-1e-9 || q.x+q.w > r.x+r.w+1e-6 || q.y+q.h > r.y+r.h+1e-6) {
			t.Errorf("rect %d %+v outside %+v", i, q, r)
		}
	}
}

const mapsFixture = `55d0c0a00000-55d0c0a9a000 r--p 00000000 08:01 1234  /usr/local/bin/soinspect
55d0c0a9a000-55d0c15f0000 r-xp 0009a000 08:01 1234  /usr/local/bin/soinspect
55d0c15f0000-55d0c1e00000 r--p 00bf0000 08:01 1234  /usr/local/bin/soinspect
55d0c1e00000-55d0c1e50000 rw-p 01400000 08:01 1234  /usr/local/bin/soinspect
55d0c1e50000-55d0c1e90000 rw-p 00000000 00:00 0
55d0c2b00000-55d0c2b21000 rw-p 00000000 00:00 0                          [heap]
c000000000-c000400000 rw-p 00000000 00:00 0
7f1a1c000000-7f1a1c400000 rw-p 00000000 00:00 0
7f1a1c400000-7f1a1fff0000 ---p 00000000 00:00 0
7f1a20000000-7f1a200cb000 r--p 00000000 08:01 99   /tmp/a dir/plugin1.so
7f1a200cb000-7f1a201c7000 r-xp 000cb000 08:01 99   /tmp/a dir/plugin1.so
7f1a30000000-7f1a30028000 r--p 00000000 08:01 77   /usr/lib/x86_64-linux-gnu/libc.so.6
7f1a30028000-7f1a301bd000 r-xp 00028000 08:01 77   /usr/lib/x86_64-linux-gnu/libc.so.6
7f1a40000000-7f1a40002000 r--p 00000000 08:01 78   /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0                          [stack]
7ffd1c1f0000-7ffd1c1f2000 r-xp 00000000 00:00 0                          [vdso]
garbage line
`

func TestNewSide(t *testing.T) {
	s := NewSide("raw", "ok", "", 0x7f1a20000000, mapsFixture, "/tmp/a dir/plugin1.so", "/usr/local/bin/soinspect")
	type kl struct{ kind, label string }
	var got []kl
	for _, r := range s.Regions {
		got = append(got, kl{r.Kind, r.Label})
	}
	want := []kl{
		{"host", "soinspect (the loading program)"},
		{"heap", "[heap] (C malloc)"},
		{"go-arena", "Go heap arena"},
		{"go-arena", "Go heap arena? (64 MiB-aligned)"},
		{"object", "plugin1.so (the object)"},
		{"libc", "libc.so.6 (libc)"},
		{"ld.so", "ld-linux-x86-64.so.2 (ld.so)"},
		{"stack", "[stack] (main thread)"},
		{"vdso", "[vdso]"},
	}
	if len(got) != len(want) {
		t.Fatalf("regions %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("region %d: %v, want %v", i, got[i], want[i])
		}
	}
	if a := s.Regions[3]; a.Mappings != 2 || a.Size() != 64<<20-0x10000 {
		t.Errorf("arena region: %d mappings, %#x bytes", a.Mappings, a.Size())
	}
	if h := s.Regions[0]; h.Mappings != 5 || h.End != 0x55d0c1e90000 {
		t.Errorf("host region: %d mappings ending at %#x, want its 4 mappings and its .bss", h.Mappings, h.End)
	}
}

// TestFit: fit keeps the start of a label, fitTail its end, each within
// the runes the width holds, the ellipsis counted.
func TestFit(t *testing.T) {
	for _, c := range []struct {
		s      string
		width  float64
		fit    string
		fitEnd string
	}{
		{"runtime", 80, "runtime", "runtime"},
		{"example.com/plugins/kitchensink", 80, "example.c…", "…tchensink"},
		{"αβγδε", 32, "αβγ…", "…γδε"},
		{"abc", 8, "", ""},
	} {
		if got := fit(c.s, c.width, 8); got != c.fit {
			t.Errorf("fit(%q, %v) = %q, want %q", c.s, c.width, got, c.fit)
		}
		if got := fitTail(c.s, c.width, 8); got != c.fitEnd {
			t.Errorf("fitTail(%q, %v) = %q, want %q", c.s, c.width, got, c.fitEnd)
		}
	}
}

// TestHuman: sizes up to the whole 64-bit address space read as people
// would say them.
func TestHuman(t *testing.T) {
	for _, c := range []struct {
		n    uint64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {3 << 20, "3.0 MiB"}, {132 << 30, "132 GiB"},
		{128 << 40, "128 TiB"}, {0xffffffffff600000 - 0x7ffc7a419000, "16.0 EiB"}, {^uint64(0), "16.0 EiB"},
	} {
		if got := human(c.n); got != c.want {
			t.Errorf("human(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}
