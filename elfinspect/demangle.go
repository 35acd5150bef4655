package elfinspect

import (
	"runtime"
	"sync"

	"github.com/ianlancetaylor/demangle"
)

// DemangleName returns the demangled form of a C++ (Itanium) or Rust
// (legacy or v0) symbol name, in the style of c++filt, and true; or the
// name itself and false if it is not a mangled name.
func DemangleName(name string) (string, bool) {
	if len(name) < 3 || name[0] != '_' || (name[1] != 'Z' && name[1] != 'R') {
		return name, false
	}
	d, err := demangle.ToString(name, demangle.NoClones)
	if err != nil {
		return name, false
	}
	return d, true
}

// Demangle fills Demangled for the C++ and Rust symbols of syms, spreading
// the work over GOMAXPROCS goroutines. Call it on the symbols that will be
// shown, after filtering: demangling costs microseconds a name.
func Demangle(syms []Symbol) {
	workers := runtime.GOMAXPROCS(0)
	const chunk = 256
	if workers <= 1 || len(syms) < 2*chunk {
		demangleRange(syms)
		return
	}
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				lo := next
				next += chunk
				mu.Unlock()
				if lo >= len(syms) {
					return
				}
				demangleRange(syms[lo:min(lo+chunk, len(syms))])
			}
		}()
	}
	wg.Wait()
}

func demangleRange(syms []Symbol) {
	for i := range syms {
		s := &syms[i]
		if s.Lang != LangCXX && s.Lang != LangRust || s.Demangled != "" {
			continue
		}
		if d, ok := DemangleName(s.Name); ok {
			s.Demangled = d
		}
	}
}
