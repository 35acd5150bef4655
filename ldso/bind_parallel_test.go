package ldso

import (
	"os"
	"reflect"
	"testing"
	"unsafe"
)

// TestBindParallelIsSequential holds Bind, which looks symbols up on
// several goroutines and redoes the STB_GNU_UNIQUE ones in order, to the
// plain order of ld.so: each object relocated in turn, one lookup after
// another, with the unique table. libstdc++ defines hundreds of unique
// symbols that it and the programs using it reference; gdb links it with
// twenty other libraries.
func TestBindParallelIsSequential(t *testing.T) {
	files := []string{"/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/bin/gdb", "/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1"}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			if _, err := os.Stat(f); err != nil {
				t.Skip(err)
			}
			res := load(t, f, Config{})
			got, err := Bind(res, BindOptions{Shadowed: true})
			if err != nil {
				t.Fatal(err)
			}

			b := &binder{scope: res.Scope(), unique: map[string]uniqueDef{}, opt: BindOptions{Shadowed: true}, main: res.Objects[0]}
			var want []Binding
			for _, l := range res.relocationOrder() {
				if want, err = b.relocate(want, l); err != nil {
					t.Fatal(err)
				}
			}
			unique := 0
			for _, bd := range want {
				if bd.Kind == KindUnique {
					unique++
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%d bindings, one lookup after another %d", len(got), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("binding %d: %+v, one lookup after another %+v", i, got[i], want[i])
				}
			}
			// In place, the names are the same strings, read from the
			// mapping.
			inPlace, err := Bind(res, BindOptions{Shadowed: true, InPlace: true})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(inPlace, got) {
				t.Errorf("InPlace gives other bindings")
			}
			t.Logf("%d bindings, %d of them to unique definitions", len(got), unique)
		})
	}
}

// A binding's small fields share its last word: libLLVM's 14,000
// bindings are written to fresh pages, each first touch a page fault.
func TestBindingIs96Bytes(t *testing.T) {
	if n := unsafe.Sizeof(Binding{}); n != 96 {
		t.Errorf("a Binding is %d bytes, want 96 (the README quotes it)", n)
	}
}
