package report

import "strconv"

// plural returns "1 thing" or "n things".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// human returns a byte count for people: "812 B", "4.7 KiB", "19.3 MiB";
// up to EiB, for the gap below the top of a 64-bit address space.
func human(n uint64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatUint(n, 10) + " B"
	}
	v, u := float64(n), 0
	for v >= unit && u < 6 {
		v /= unit
		u++
	}
	prec := 1
	if v >= 100 {
		prec = 0
	}
	return strconv.FormatFloat(v, 'f', prec, 64) + " " + [...]string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}[u]
}

// hex returns "0x1c4220".
func hex(n uint64) string { return "0x" + strconv.FormatUint(n, 16) }

func itoa(n int) string { return strconv.Itoa(n) }
