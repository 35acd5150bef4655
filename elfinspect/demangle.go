package elfinspect

import (
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ianlancetaylor/demangle"
)

// DemangleName returns the demangled form of a C++ (Itanium) or Rust
// (legacy or v0) symbol name, in the style of c++filt, and true; or the
// name itself and false if it is not a mangled name. Rust v0 names print
// without the crate disambiguators c++filt shows (mycrate[ca63f166dbe9294]).
func DemangleName(name string) (d string, ok bool) {
	defer func() {
		if recover() != nil { // no panic escapes, whatever the demangler does
			d, ok = name, false
		}
	}()
	if len(name) < 3 || name[0] != '_' || (name[1] != 'Z' && name[1] != 'R') {
		return name, false
	}
	if s, ok := demangleFast(name); ok {
		return s, true
	}
	return demangleSlow(name)
}

// demangleSlow is DemangleName without the fast path: the demangle
// package and the fixes that make its output c++filt's.
func demangleSlow(name string) (string, bool) {
	mangled := name
	if name[1] == 'Z' && strings.Contains(name, "sr") {
		mangled = fixOldStyleSr(name)
	}
	if !strings.Contains(name, "JE") {
		s, err := demangle.ToString(mangled, demangleOptions...)
		if err != nil {
			return name, false
		}
		if isRustLegacy(name) {
			// c++filt keeps the hash of a legacy Rust name; the
			// demangle package drops it.
			s += "::" + name[len(name)-18:len(name)-1]
		}
		return s, true
	}
	a, err := demangle.ToAST(mangled, demangleOptions...)
	if err != nil {
		return name, false
	}
	// The AST is new for each call, so it can be changed in place; the
	// shared standard-substitution nodes hold no empty packs and are left
	// alone.
	a.Traverse(func(n demangle.AST) bool {
		markTrailingEmptyPacks(n)
		return true
	})
	s := demangle.ASTToString(a, demangleOptions...)
	return strings.ReplaceAll(s, ", "+emptyPackMark, ""), true
}

// demangleOptions make the output c++filt's: std::basic_string<...> rather
// than std::string for the standard substitutions. MaxLength bounds the
// work a hostile name can cause (64 KiB of output).
var demangleOptions = []demangle.Option{demangle.Verbose, demangle.MaxLength(16)}

// emptyPackMark stands for trailing empty template argument packs while a
// name is printed; it is removed with the ", " before it.
const emptyPackMark = "\x01"

// markTrailingEmptyPacks reproduces a quirk of libiberty, and so of
// c++filt: when a template argument list ends with empty packs
// (Foo<A<B>, JE>), libiberty prints ", ", prints nothing, takes the ", "
// back, but still believes the last character is a space, so it closes
// the list with ">" instead of " >": Foo<A<B>>. The demangle package skips
// empty packs and prints Foo<A<B> >. Replacing the trailing empty packs by
// a mark that does not end in '>' and deleting it after printing gives
// c++filt's output.
func markTrailingEmptyPacks(a demangle.AST) {
	t, ok := a.(*demangle.Template)
	if !ok || len(t.Args) < 2 {
		return
	}
	n := len(t.Args)
	for n > 0 && isEmptyPack(t.Args[n-1]) {
		n--
	}
	if n == len(t.Args) || n == 0 {
		return
	}
	t.Args = append(t.Args[:n:n], &demangle.Name{Name: emptyPackMark})
}

// isEmptyPack reports a template argument that prints as nothing: an
// empty pack, or the expansion of one.
func isEmptyPack(a demangle.AST) bool {
	switch a := a.(type) {
	case *demangle.ArgumentPack:
		for _, x := range a.Args {
			if !isEmptyPack(x) {
				return false
			}
		}
		return true
	case *demangle.PackExpansion:
		return a.Pack != nil && isEmptyPack(a.Pack)
	}
	return false
}

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
		if d, ok := DemangleName(s.Name); ok {
			s.Demangled = d
		}
	}
}
