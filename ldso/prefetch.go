package ldso

import (
	"runtime"
	"runtime/debug"
)

// tableReader reads the dynamic symbol and relocation tables of the
// objects a load maps, on a goroutine of its own, while the load goes on
// searching for and mapping the next ones. Every use of a Result reads
// them next (Bind relocates every object, Unused the main one, and every
// lookup walks the scope's symbol tables), and each object's tables are
// read once (a sync.Once each), so the reads only move earlier, onto the
// other processor: for libLLVM and its 11 libraries, the 3 ms that Bind
// would spend reading them before its first lookup overlap the 3 ms of
// the load.
//
// The reader ends before Load returns, so that no read outlives the
// mappings; a panic in it (a fault in a file truncated while it is
// mapped) is raised again on Load's goroutine, under Load's guard.
type tableReader struct {
	objs     chan *Object
	done     chan struct{}
	panicked any
	finished bool
}

// newTableReader starts a reader, or returns nil on one processor, where
// reading ahead would gain nothing.
func newTableReader() *tableReader {
	if runtime.GOMAXPROCS(0) < 2 {
		return nil
	}
	t := &tableReader{objs: make(chan *Object, 64), done: make(chan struct{})}
	go t.run()
	return t
}

func (t *tableReader) run() {
	defer close(t.done)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			t.panicked = p
			for range t.objs {
				// Drained, so that the load never waits on a reader
				// that stopped.
			}
		}
	}()
	for o := range t.objs {
		o.tables()
	}
}

// add queues the tables of l's object to be read; a nil reader or an
// object not found does nothing.
func (t *tableReader) add(l *Loaded) {
	if t != nil && l != nil && l.Object != nil {
		t.objs <- l.Object
	}
}

// finish ends the reading: the caller, its own work done, reads what is
// still queued beside the reader, then waits for the reader to end and
// raises its panic, if any. It does nothing the second time.
func (t *tableReader) finish() {
	if t == nil || t.finished {
		return
	}
	t.finished = true
	close(t.objs)
	defer func() {
		<-t.done
		if t.panicked != nil {
			panic(t.panicked)
		}
	}()
	for o := range t.objs {
		o.tables()
	}
}
