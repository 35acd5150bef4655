package ldso

import (
	"math/bits"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// chunkLookups is about how many lookups one task of relocateAll makes:
// small enough to share libLLVM's 20,000 among the workers evenly, large
// enough that handing tasks out costs nothing.
const chunkLookups = 512

// relocTask is a run of one object's symbols, [lo, hi), whose bindings
// go to out[at:at+n] (n is an upper bound: references to local or hidden
// symbols need no lookup and take no place).
type relocTask struct {
	l       *Loaded
	s       *symbols
	classes []uint8
	lo, hi  int
	at, n   int
	got     int   // bindings written
	err     error // relocateRange's error
}

// relocateAll relocates objs in that order, as relocate on each would,
// and returns their bindings in that order.
//
// The lookups are independent but for one table, the STB_GNU_UNIQUE
// definitions already bound (ld.so's _ns_unique_sym_table): the symbols
// are cut into runs that GOMAXPROCS workers look up in parallel without
// that table, and the few lookups that meet a unique definition are then
// made again, in order, with it. The result is the same as one lookup
// after another: the table changes only at those lookups.
//
// An object whose tables cannot be read ends the bindings: they hold the
// objects before it, with its error.
func (b *binder) relocateAll(objs []*Loaded) ([]Binding, error) {
	var tasks []relocTask
	var stop error // the error of the first object that cannot be relocated
	total := 0
	for _, l := range objs {
		s, classes, err := b.refs(l)
		if err != nil {
			stop = err
			break
		}
		n, lo := 0, 0
		for i, m := range classes {
			n += bits.OnesCount8(m)
			if n >= chunkLookups || i == len(classes)-1 {
				tasks = append(tasks, relocTask{l: l, s: s, classes: classes, lo: lo, hi: i + 1, at: total, n: n})
				total += n
				n, lo = 0, i+1
			}
		}
	}
	out := make([]Binding, total)
	b.runTasks(tasks, out)

	// Close the gaps the upper bounds left, in order, up to the first
	// object that failed.
	w := 0
	var objStart int
	var obj *Loaded
	for i := range tasks {
		t := &tasks[i]
		if t.l != obj {
			obj, objStart = t.l, w
		}
		if t.err != nil {
			w, stop = objStart, t.err
			break
		}
		w += copy(out[w:], out[t.at:t.at+t.got])
	}
	clear(out[w:])
	out = out[:w]

	for i := range out {
		if bd := &out[i]; bd.redo {
			s, _ := bd.From.Object.syms()
			ref, _ := s.st.Sym(int(bd.symIdx))
			idx := bd.symIdx
			*bd = b.lookup(bd.From, bd.Symbol, ref, s.wanted(idx), int(bd.typeCls))
			bd.symIdx = idx
		}
	}
	return out, stop
}

// runTasks runs tasks on min(GOMAXPROCS, len(tasks)) goroutines, each
// with its own binder without the unique table. A panic in a worker (a
// fault in a mapped file, say) stops the others' next tasks and is
// raised again on the calling goroutine, where the entry point's guard
// handles it.
func (b *binder) runTasks(tasks []relocTask, out []Binding) {
	workers := min(runtime.GOMAXPROCS(0), len(tasks))
	var next atomic.Int64
	var stopped atomic.Bool
	var mu sync.Mutex
	var panicked any
	work := func() {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if p := recover(); p != nil {
				stopped.Store(true)
				mu.Lock()
				if panicked == nil {
					panicked = p
				}
				mu.Unlock()
			}
		}()
		wb := *b
		wb.unique = nil
		for !stopped.Load() {
			i := int(next.Add(1) - 1)
			if i >= len(tasks) {
				return
			}
			t := &tasks[i]
			res, err := wb.relocateRange(out[t.at:t.at:t.at+t.n], t.l, t.s, t.classes, t.lo, t.hi)
			if len(res) > 0 && &res[0] != &out[t.at] {
				panic("ldso: a run of symbols made more lookups than it counted")
			}
			t.got, t.err = len(res), err
		}
	}
	if workers <= 1 {
		work()
	} else {
		var wg sync.WaitGroup
		for range workers - 1 {
			wg.Add(1)
			go func() { defer wg.Done(); work() }()
		}
		work()
		wg.Wait()
	}
	if panicked != nil {
		panic(panicked)
	}
}
