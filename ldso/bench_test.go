package ldso

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The figures of the speed goals: `deps --bindings` of every
// shared object of the system library directory, and of libLLVM; compare
// with `ldd -r` on the same files (see README, Speed).

func benchBind(b *testing.B, files []string, opt BindOptions) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		pool := NewPool(64)
		for _, f := range files {
			res, err := Load(f, Config{Pool: pool})
			if err != nil {
				continue
			}
			CheckVersions(res)
			if _, err := Bind(res, opt); err != nil {
				b.Fatal(err)
			}
			res.Close()
		}
		pool.Close()
	}
}

func BenchmarkBindLLVM(b *testing.B) {
	const llvm = "/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1"
	if _, err := os.Stat(llvm); err != nil {
		b.Skip(err)
	}
	benchBind(b, []string{llvm}, BindOptions{Shadowed: true})
}

func BenchmarkBindSystemLibs(b *testing.B) {
	ents, err := os.ReadDir("/usr/lib/x86_64-linux-gnu")
	if err != nil {
		b.Skip(err)
	}
	var files []string
	for _, e := range ents {
		if e.Type().IsRegular() && strings.Contains(e.Name(), ".so") {
			files = append(files, filepath.Join("/usr/lib/x86_64-linux-gnu", e.Name()))
		}
	}
	b.Run("shadowed", func(b *testing.B) { benchBind(b, files, BindOptions{Shadowed: true}) })
	b.Run("first-only", func(b *testing.B) { benchBind(b, files, BindOptions{}) })
}

// BenchmarkBindOnlyLLVM is Bind alone on libLLVM's load set, loaded and
// read once: the lookups, without reading or mapping the files.
func BenchmarkBindOnlyLLVM(b *testing.B) {
	const llvm = "/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1"
	if _, err := os.Stat(llvm); err != nil {
		b.Skip(err)
	}
	res, err := Load(llvm, Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer res.Close()
	if _, err := Bind(res, BindOptions{Shadowed: true}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Bind(res, BindOptions{Shadowed: true}); err != nil {
			b.Fatal(err)
		}
	}
}
