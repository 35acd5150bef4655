package specimen

import (
	"bytes"
	"errors"
	"os/exec"
)

// Run runs the program bin with args in dir (the current directory if
// empty) and the environment env (the test's own if nil), and returns its
// stdout, stderr and exit status (-1 if a signal ended it). err is set
// only when the program could not be run: a non-zero exit is a status,
// not an error.
func Run(dir string, env []string, bin string, args ...string) (stdout, stderr string, code int, err error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.String(), errb.String(), ee.ExitCode(), nil
	}
	if err != nil {
		code = -1
	}
	return out.String(), errb.String(), code, err
}
