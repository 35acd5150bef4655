package plugincheck_test

import (
	"io"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/soinspect/soinspect/elfinspect"
	"github.com/soinspect/soinspect/internal/specimen"
	"github.com/soinspect/soinspect/internal/testutil"
	"github.com/soinspect/soinspect/plugincheck"
)

// countingReader counts the reads of a file.
type countingReader struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.n.Add(1)
	return c.r.ReadAt(p, off)
}

// TestCheckerReadsHostOnce checks that a Checker reads the host when it is
// made and never again, however many plugins it checks, from several
// goroutines at once, and that Check is the first verdict of
// CheckTogether.
func TestCheckerReadsHostOnce(t *testing.T) {
	hostPath := specimen.Path(t, "oracle", "plugin1.so")
	plugPath := specimen.Path(t, "plugin1.so")
	fh, err := os.Open(hostPath)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		t.Fatal(err)
	}
	cr := &countingReader{r: fh}
	host, err := elfinspect.NewFile(cr, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	c := plugincheck.NewChecker(host)
	reads := cr.n.Load()
	if reads == 0 {
		t.Fatal("NewChecker read nothing of the host")
	}

	p := testutil.OpenELF(t, plugPath)
	want := c.CheckTogether([]*elfinspect.File{p}, nil).Verdicts[0]
	if !want.OK || want.Outcome != plugincheck.OutcomeOK {
		t.Fatalf("plugin1 in its own host: %+v", want)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v := c.Check(p, nil); v.Outcome != want.Outcome || v.OK != want.OK || len(v.Reasons) != len(want.Reasons) {
				t.Errorf("Check = %+v, want %+v", v, want)
			}
		}()
	}
	wg.Wait()
	if n := cr.n.Load() - reads; n != 0 {
		t.Errorf("checking 5 plugins read the host %d more times", n)
	}
}
