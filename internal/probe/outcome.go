package probe

// Outcome is how an experiment ended, in one word for scripts.
type Outcome string

// The outcomes of an experiment.
const (
	// OutcomeOK: the child finished every step without an error (for a
	// call: it returned).
	OutcomeOK Outcome = "ok"
	// OutcomeFailed: the child finished, but a step failed: dlopen, dlsym,
	// plugin.Open or plugin.Lookup returned an error.
	OutcomeFailed Outcome = "failed"
	// OutcomeCrashed: the child died before finishing (a signal, a Go
	// runtime abort, a panic, an exit).
	OutcomeCrashed Outcome = "crashed"
	// OutcomeTimedOut: the child ran past its timeout and its process
	// group was killed.
	OutcomeTimedOut Outcome = "timed-out"
	// OutcomeInterrupted: soinspect got SIGINT, SIGTERM or SIGHUP and killed the
	// child's process group.
	OutcomeInterrupted Outcome = "interrupted"
)

// outcomeOf classifies a finished child: done says whether it reported
// every step, failed whether a step reported an error.
func outcomeOf(ex Exit, done, failed bool) Outcome {
	switch {
	case ex.Interrupted != "":
		return OutcomeInterrupted
	case ex.TimedOut:
		return OutcomeTimedOut
	case !done:
		return OutcomeCrashed
	case failed:
		return OutcomeFailed
	}
	return OutcomeOK
}
