package elfinspect_test

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
)

// seedFiles are the fixtures small enough to seed the ELF fuzz targets.
var seedFiles = []string{"cobj", "clib", "cexe", "core"}

func addELFSeeds(f *testing.F, withBool bool) {
	for _, name := range seedFiles {
		data, err := os.ReadFile(fixturePath(f, name))
		if err != nil {
			f.Fatal(err)
		}
		seeds := [][]byte{data, data[:len(data)/2], data[:64]}
		if name == "clib" && len(data) > 64 && data[4] == 2 && data[5] == 1 {
			// Damaged section headers: read from the dynamic segment.
			for _, dm := range damages {
				seeds = append(seeds, dm.apply(bytes.Clone(data)))
			}
		}
		for _, d := range seeds {
			if withBool {
				f.Add(d, true)
				f.Add(d, false)
			} else {
				f.Add(d)
			}
		}
	}
}

// exercise runs everything elfinspect does on a file.
func exercise(file *elfinspect.File, dynamic bool) {
	file.Kind()
	file.IsGo()
	file.Class()
	file.Endian()
	file.Machine()
	file.Arch()
	file.Type()
	file.DlopenProblem()
	file.BuildInfo()
	syms, err := file.StaticSymbols()
	if dynamic {
		syms, err = file.DynamicSymbols()
	}
	if err != nil {
		return
	}
	if len(syms) > 200 {
		syms = syms[:200]
	}
	elfinspect.Demangle(syms)
	for i := range syms {
		syms[i].ReadelfName()
		syms[i].NMName()
	}
}

func FuzzOpen(f *testing.F) {
	addELFSeeds(f, false)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, open := range []func(io.ReaderAt, int64) (*elfinspect.File, error){elfinspect.NewFile, elfinspect.NewFileUsingDynamic} {
			file, err := open(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				continue
			}
			exercise(file, true)
			exercise(file, false)
		}
	})
}

func FuzzSymbols(f *testing.F) {
	addELFSeeds(f, true)
	f.Fuzz(func(t *testing.T, data []byte, dynamic bool) {
		// The fallback to the dynamic segment changes nothing for a file
		// NewFile accepts, and reads the rest.
		file, err := elfinspect.NewFileUsingDynamic(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		exercise(file, dynamic)
	})
}

func FuzzGoName(f *testing.F) {
	fh, err := os.Open("testdata/gonames.txt")
	if err != nil {
		f.Fatal(err)
	}
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		f.Add(sc.Text())
	}
	fh.Close()
	f.Fuzz(func(t *testing.T, name string) {
		g, ok := elfinspect.ParseGoName(name)
		if ok && g.Kind == "" {
			t.Errorf("ParseGoName(%q) = %+v with no kind", name, g)
		}
		elfinspect.DemangleName(name)
	})
}
