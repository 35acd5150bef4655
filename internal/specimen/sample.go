package specimen

import (
	"fmt"
	"os"
)

// EnvFull names the environment variable that makes the whole-system
// sweeps (every system library, every generated name) run whole: `make
// test-full` sets it to 1. Without it they take a deterministic sample, so
// that `make test` stays within a few minutes.
const EnvFull = "SOINSPECT_TEST_FULL"

// Full reports whether the sweeps run whole.
func Full() bool { return os.Getenv(EnvFull) == "1" }

// Sample returns all of items when Full, else at most n of them, evenly
// spaced from the first (the same ones every run for the same items), and
// a phrase for the test log saying which.
func Sample[T any](items []T, n int) ([]T, string) {
	if Full() || len(items) <= n {
		return items, fmt.Sprintf("all %d", len(items))
	}
	if n <= 0 {
		return nil, fmt.Sprintf("none of %d (%s=1 for all)", len(items), EnvFull)
	}
	out := make([]T, 0, n)
	for i := range n {
		out = append(out, items[i*len(items)/n])
	}
	return out, fmt.Sprintf("a sample of %d of %d (%s=1 for all)", n, len(items), EnvFull)
}

// Count returns full when Full, else sample: the size of a generated sweep.
func Count(sample, full int) int {
	if Full() {
		return full
	}
	return sample
}
