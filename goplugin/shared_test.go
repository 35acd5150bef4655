package goplugin_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/goplugin"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
)

// offsetCounter counts the reads that start at each offset of a file.
type offsetCounter struct {
	r  io.ReaderAt
	mu sync.Mutex
	at map[int64]int
}

func (c *offsetCounter) ReadAt(p []byte, off int64) (int, error) {
	c.mu.Lock()
	c.at[off]++
	c.mu.Unlock()
	return c.r.ReadAt(p, off)
}

// TestReadersShareOneImage checks that the readers of one file share its
// image: the dynamic relocations and the dynamic symbol table are read
// once, however many of Read, Describe, PackageHashes and CExports run,
// and elfinspect's symbol listing shares the symbol table. Each used to
// read them again: 8 times each for these calls.
func TestReadersShareOneImage(t *testing.T) {
	data, err := os.ReadFile(specimen.Path(t, "plugin1.so"))
	if err != nil {
		t.Fatal(err)
	}
	c := &offsetCounter{r: bytes.NewReader(data), at: map[int64]int{}}
	f, err := elfinspect.NewFile(c, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := f.DynamicSymbols(); err != nil {
			t.Fatal(err)
		}
		if _, err := goplugin.Read(f); err != nil {
			t.Fatal(err)
		}
		if _, err := goplugin.Describe(f); err != nil {
			t.Fatal(err)
		}
		if _, err := goplugin.PackageHashes(f); err != nil {
			t.Fatal(err)
		}
		if _, err := goplugin.CExports(f); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{".rela.dyn", ".dynsym", ".dynstr"} {
		s := f.ELF().Section(name)
		if s == nil {
			t.Fatalf("plugin1.so has no %s", name)
		}
		if n := c.at[int64(s.Offset)]; n != 1 {
			t.Errorf("%s read %d times, want 1", name, n)
		}
	}
}

// TestOneSymtabRule checks that the symbol listing and the plugin readers
// judge a malformed symbol table alike: a .dynsym whose size is not a
// whole number of entries is an error for both, with the same words, not
// an error for one and a truncated table for the other.
func TestOneSymtabRule(t *testing.T) {
	data, err := os.ReadFile(specimen.Path(t, "plugin1.so"))
	if err != nil {
		t.Fatal(err)
	}
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	idx := -1
	for i, s := range ef.Sections {
		if s.Type == elf.SHT_DYNSYM {
			idx = i
		}
	}
	if idx < 0 || ef.Class != elf.ELFCLASS64 || ef.ByteOrder != binary.LittleEndian {
		t.Skip("plugin1.so is not a little-endian ELF64 file with a .dynsym")
	}
	shoff := binary.LittleEndian.Uint64(data[0x28:])
	shentsize := uint64(binary.LittleEndian.Uint16(data[0x3a:]))
	size := data[shoff+uint64(idx)*shentsize+0x20:]
	binary.LittleEndian.PutUint64(size, binary.LittleEndian.Uint64(size)-1)

	f, err := elfinspect.NewFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	const want = "is not a multiple of the symbol size"
	if _, err := f.Symbols(elfinspect.TableDynsym); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Symbols: %v, want an error saying %q", err, want)
	}
	d, err := goplugin.Describe(f)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(d.Notes, "\n"), want) {
		t.Errorf("Describe notes %q, want one saying %q", d.Notes, want)
	}
}

// TestConcurrentReaders reads one File from several goroutines at once, by
// every reader that shares its caches; run with -race.
func TestConcurrentReaders(t *testing.T) {
	f := testutil.OpenELF(t, specimen.Path(t, "plugin1.so"))
	want, err := goplugin.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 3 {
			case 0:
				pi, err := goplugin.Read(f)
				if err != nil {
					t.Errorf("Read: %v", err)
				} else if len(pi.Exports) != len(want.Exports) || len(pi.InitTasks) != len(want.InitTasks) {
					t.Errorf("Read: %d exports, %d init tasks; want %d, %d", len(pi.Exports), len(pi.InitTasks), len(want.Exports), len(want.InitTasks))
				}
			case 1:
				if d, err := goplugin.Describe(f); err != nil || d.Plugin == nil {
					t.Errorf("Describe: %v", err)
				}
			case 2:
				if _, err := f.DynamicSymbols(); err != nil {
					t.Errorf("DynamicSymbols: %v", err)
				}
			}
		}()
	}
	wg.Wait()
}
