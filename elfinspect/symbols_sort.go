package elfinspect

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// radixSortNames sorts the indexes p by names[p[i]][depth:] in byte order,
// equal names by index: a three-way radix quicksort (Bentley and Sedgewick),
// which looks at each byte of the long common prefixes of C++ names once
// per level instead of once per comparison.
func radixSortNames(p []int32, names []string, depth int) {
	for len(p) > 1 {
		if len(p) < 12 {
			slices.SortFunc(p, func(i, j int32) int {
				return cmp.Or(strings.Compare(names[i][min(depth, len(names[i])):], names[j][min(depth, len(names[j])):]), cmp.Compare(i, j))
			})
			return
		}
		a, b, c := byteAt(names[p[0]], depth), byteAt(names[p[len(p)/2]], depth), byteAt(names[p[len(p)-1]], depth)
		pivot := max(min(a, b), min(max(a, b), c)) // median of three
		lt, i, gt := 0, 0, len(p)
		for i < gt {
			switch c := byteAt(names[p[i]], depth); {
			case c < pivot:
				p[lt], p[i] = p[i], p[lt]
				lt++
				i++
			case c > pivot:
				gt--
				p[i], p[gt] = p[gt], p[i]
			default:
				i++
			}
		}
		radixSortNames(p[:lt], names, depth)
		radixSortNames(p[gt:], names, depth)
		if pivot < 0 {
			slices.Sort(p[lt:gt]) // the names ended here: equal, by index
			return
		}
		p, depth = p[lt:gt], depth+1
	}
}

func byteAt(s string, i int) int {
	if i < len(s) {
		return int(s[i])
	}
	return -1
}

// SortKey is an order for SortSymbols.
type SortKey string

// The orders SortSymbols knows.
const (
	SortNone SortKey = "none" // table order
	SortName SortKey = "name" // by raw name in byte order, as nm sorts in the C locale
	SortAddr SortKey = "addr" // by value, as nm -n
	SortSize SortKey = "size" // by size, as nm -S --size-sort
)

// ParseSortKey returns the SortKey named s.
func ParseSortKey(s string) (SortKey, error) {
	switch k := SortKey(s); k {
	case SortNone, SortName, SortAddr, SortSize:
		return k, nil
	}
	return "", fmt.Errorf("unknown sort order %q (want name, addr, size or none)", s)
}

// SortSymbols orders syms by key; symbols that compare equal keep their
// table order (the table, then the index in it), so the result is the same
// as a stable sort. It sorts a permutation of small indexes and then moves
// each symbol once, which is several times faster than sorting the
// symbols themselves with slices.SortStableFunc.
func SortSymbols(syms []Symbol, key SortKey) {
	if key == SortNone || key == "" || len(syms) < 2 || len(syms) > 1<<31-1 {
		return
	}
	perm := make([]int32, len(syms))
	for i := range perm {
		perm[i] = int32(i)
	}
	switch key {
	case SortName:
		names := make([]string, len(syms))
		for i := range syms {
			names[i] = syms[i].Name
		}
		radixSortNames(perm, names, 0)
	case SortAddr:
		slices.SortFunc(perm, func(i, j int32) int {
			return cmp.Or(cmp.Compare(syms[i].Value, syms[j].Value), cmp.Compare(i, j))
		})
	case SortSize:
		slices.SortFunc(perm, func(i, j int32) int {
			return cmp.Or(cmp.Compare(syms[i].Size, syms[j].Size), cmp.Compare(i, j))
		})
	default:
		return
	}
	// Apply the permutation in place, following its cycles: position k
	// receives syms[perm[k]].
	for start := range perm {
		if perm[start] < 0 || int(perm[start]) == start {
			continue
		}
		tmp := syms[start]
		k := start
		for {
			src := int(perm[k])
			perm[k] = -1
			if src == start {
				syms[k] = tmp
				break
			}
			syms[k] = syms[src]
			k = src
		}
	}
}
