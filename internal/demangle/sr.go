package demangle

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ianlancetaylor/demangle"
)

// GCC mangles some dependent names in old style, as sr followed by the
// qualifiers: sr3std9is_signedIT_EE5value is std::is_signed<T>::value.
// libiberty (and so c++filt) makes none of the qualifiers a substitution
// candidate; the demangle package makes a qualifier with template arguments
// one (is_signed here), so every later S<n>_ at or past that index names the
// entity before the one c++filt names. fixOldStyleSr renumbers those
// references, asking the demangle package itself, through the "substitution
// index out of range (ID >= COUNT) at OFFSET" error of a probe, how many
// candidates it has at a point and which S characters start a reference.
// It returns name unchanged when anything is unexpected.
func fixOldStyleSr(name string) string {
	// Each probe demangles the whole name: bound the work on hostile input.
	const maxLen, maxProbes = 8 << 10, 128
	if len(name) > maxLen {
		return name
	}
	probes := 0
	from := 0
	for rounds := 0; rounds < 8; rounds++ {
		i := strings.Index(name[from:], "sr")
		if i < 0 {
			return name
		}
		p := from + i + 2 // after "sr"
		from = p
		if p >= len(name) || name[p] < '0' || name[p] > '9' {
			continue
		}
		// The qualifiers: source names up to the first with template args.
		q := p
		for q < len(name) && name[q] >= '0' && name[q] <= '9' {
			j := q
			for j < len(name) && name[j] >= '0' && name[j] <= '9' {
				j++
			}
			n, err := strconv.Atoi(name[q:j])
			if err != nil || j+n > len(name) {
				return name
			}
			q = j + n
		}
		if q >= len(name) || name[q] != 'I' {
			continue
		}
		// How many candidates the demangle package has at p: that is the
		// index of the extra candidate it is about to add.
		probes++
		count, off, ok := probeSubst(name[:p] + "SZZZZ_" + name[p:])
		if !ok || off != p+1 { // the offset is just past the S
			continue
		}
		// Renumber the references after q that are at or past count.
		var b strings.Builder
		b.WriteString(name[:q])
		last := q
		for k := q; k+1 < len(name); k++ {
			if name[k] != 'S' {
				continue
			}
			end := strings.IndexByte(name[k+1:], '_')
			if end < 0 {
				break
			}
			seq := name[k+1 : k+1+end]
			id, ok := parseSeqID(seq)
			if !ok || id < count {
				continue
			}
			// Is this S a reference? Make it out of range and see where
			// the demangle package complains.
			if probes++; probes > maxProbes {
				return name
			}
			if _, off, ok := probeSubst(name[:k] + "SZZZZ_" + name[k+2+end:]); !ok || off != k+1 {
				continue
			}
			b.WriteString(name[last:k])
			b.WriteString("S" + formatSeqID(id+1) + "_")
			last = k + 2 + end
			k = last - 1
		}
		b.WriteString(name[last:])
		name = b.String()
	}
	return name
}

// probeSubst demangles a probe name that should fail on an out-of-range
// substitution and returns the count and offset from the error.
func probeSubst(probe string) (count, off int, ok bool) {
	_, err := demangle.ToString(probe, demangleOptions...)
	if err == nil {
		return 0, 0, false
	}
	var id int
	_, scanErr := fmt.Sscanf(err.Error(), "substitution index out of range (%d >= %d) at %d", &id, &count, &off)
	return count, off, scanErr == nil
}

// parseSeqID decodes the <seq-id> of S<seq-id>_: "" is 0, then base 36
// (digits and upper-case letters) plus one.
func parseSeqID(s string) (int, bool) {
	if s == "" {
		return 0, true
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d int
		switch {
		case c >= '0' && c <= '9':
			d = int(c - '0')
		case c >= 'A' && c <= 'Z':
			d = int(c-'A') + 10
		default:
			return 0, false
		}
		if n > 1<<20 {
			return 0, false
		}
		n = n*36 + d
	}
	return n + 1, true
}

func formatSeqID(id int) string {
	if id == 0 {
		return ""
	}
	return strings.ToUpper(strconv.FormatInt(int64(id-1), 36))
}
