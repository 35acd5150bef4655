package ldso

import "maps"

// Fork returns a copy of r that later calls (Dlopen) may change without
// changing r: a process forked after its start-up. The objects already
// read are shared, not read again: their tables are read once and are
// read-only after that. The load list, the names each object answers to
// and the search state (directories listed, search paths dropped) are
// copied.
//
// Several forks of one Result may be used at the same time, by different
// goroutines, as long as r itself is not changed meanwhile. Closing a
// fork closes only the files the fork opened; r's files stay open until
// r is closed, which must come after the forks are done.
func (r *Result) Fork() *Result {
	nr := *r
	if r.ld == nil {
		return &nr
	}
	m := map[*Loaded]*Loaded{}
	var queue []*Loaded
	cp := func(l *Loaded) *Loaded {
		if l == nil {
			return nil
		}
		if c, ok := m[l]; ok {
			return c
		}
		c := *l
		c.names = append([]string(nil), l.names...)
		c.NeededBy = append([]int(nil), l.NeededBy...)
		c.Needs = append([]int(nil), l.Needs...)
		m[l] = &c
		queue = append(queue, l)
		return &c
	}
	nr.Objects = make([]*Loaded, len(r.Objects))
	for i, l := range r.Objects {
		nr.Objects[i] = cp(l)
	}
	nr.interp = cp(r.interp)
	ld := r.ld
	nl := *ld
	nl.res = &nr
	nl.main = cp(ld.main)
	nl.byName = make(map[string]*Loaded, len(ld.byName))
	for n, l := range ld.byName {
		nl.byName[n] = cp(l)
	}
	// Every object reachable from the copies, through their dependencies
	// and loaders, is copied too: the copies point only at copies.
	for i := 0; i < len(queue); i++ {
		c := m[queue[i]]
		deps := make([]*Loaded, len(c.deps))
		for k, d := range c.deps {
			deps[k] = cp(d)
		}
		c.deps = deps
		c.loader = cp(c.loader)
	}
	nl.dirs = maps.Clone(ld.dirs)
	nl.dead = maps.Clone(ld.dead)
	nl.files = nil
	nr.ld = &nl
	nr.Warnings = append([]string(nil), r.Warnings...)
	return &nr
}
