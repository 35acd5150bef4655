package probe

// A child of either way reports its progress as a list of steps (GoMsg,
// RawMsg); the parent reads both lists the same way, through these.

// stepMsg is a child's message, as far as the parent reads every way's
// messages alike.
type stepMsg interface {
	GoMsg | RawMsg
	fields() (step, name, err string)
}

func (m GoMsg) fields() (step, name, err string)  { return m.Step, m.Name, m.Err }
func (m RawMsg) fields() (step, name, err string) { return m.Step, m.Name, m.Err }

// firstStep returns the first step of the given kind and name ("" matches
// any).
func firstStep[M stepMsg](steps []M, step, name string) (M, bool) {
	for _, m := range steps {
		if s, n, _ := m.fields(); s == step && (name == "" || n == name) {
			return m, true
		}
	}
	var zero M
	return zero, false
}

// lastCalled returns the symbol of the last "call" step, the call under
// way when a child stops before it is done; "" if none.
func lastCalled[M stepMsg](steps []M) string {
	var calling string
	for _, m := range steps {
		if s, n, _ := m.fields(); s == "call" {
			calling = n
		}
	}
	return calling
}

// anyFailed reports whether a step carries an error.
func anyFailed[M stepMsg](steps []M) bool {
	for _, m := range steps {
		if _, _, err := m.fields(); err != "" {
			return true
		}
	}
	return false
}
