package elfinspect

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/soinspect/soinspect/internal/demangle"
)

// DemangleName returns the demangled form of a C++ (Itanium) or Rust
// (legacy or v0) symbol name, in the style of c++filt, and true; or the
// name itself and false if it is not a mangled name. Rust v0 names print
// without the crate disambiguators c++filt shows (mycrate[ca63f166dbe9294]).
func DemangleName(name string) (string, bool) { return demangle.Name(name) }

// Demangle fills Demangled for the C++ and Rust symbols of syms, spreading
// the work over GOMAXPROCS goroutines. Call it on the symbols that will be
// shown, after filtering: demangling costs microseconds a name.
func Demangle(syms []Symbol) {
	DemangleInOrder(syms, func([]Symbol) error { return nil })
}

// DemangleInOrder demangles syms in parallel, like Demangle, and hands
// them to each in consecutive parts, in order, as soon as a part is done:
// a listing can print while the rest is demangled, and can drop each
// part's demangled names once printed so they are never all in memory.
// Workers run at most a few parts ahead of each. The first error each
// returns stops the work and is returned.
func DemangleInOrder(syms []Symbol, each func(part []Symbol) error) error {
	const chunk = 512
	parts := (len(syms) + chunk - 1) / chunk
	workers := max(1, runtime.GOMAXPROCS(0))
	if workers == 1 || parts < 2 {
		demangleRange(syms)
		if len(syms) == 0 {
			return nil
		}
		return each(syms)
	}
	done := make([]chan struct{}, parts)
	for i := range done {
		done[i] = make(chan struct{})
	}
	ahead := make(chan struct{}, 2*workers) // bounds the parts demangled but not yet printed
	stop := make(chan struct{})
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case ahead <- struct{}{}:
				case <-stop:
					return
				}
				i := int(next.Add(1) - 1)
				if i >= parts {
					return
				}
				demangleRange(syms[i*chunk : min((i+1)*chunk, len(syms))])
				close(done[i])
			}
		}()
	}
	var err error
	for i := 0; i < parts && err == nil; i++ {
		<-done[i]
		err = each(syms[i*chunk : min((i+1)*chunk, len(syms))])
		<-ahead
	}
	close(stop)
	wg.Wait()
	return err
}

func demangleRange(syms []Symbol) {
	for i := range syms {
		s := &syms[i]
		if s.Lang != LangCXX && s.Lang != LangRust || s.Demangled != "" {
			continue
		}
		if d, ok := demangle.Name(s.Name); ok {
			s.Demangled = d
		}
	}
}
