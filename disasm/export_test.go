package disasm

// SetRecoverForTest sets whether the entry points turn panics into errors;
// the fuzzer switches it off to see every panic.
func SetRecoverForTest(on bool) { recoverPanics = on }
