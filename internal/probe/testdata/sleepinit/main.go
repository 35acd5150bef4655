// Command sleepinit is a test specimen: a plugin whose init starts a
// grandchild process and then never returns, for the timeout path.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"time"
)

func init() {
	cmd := exec.Command("sleep", "300")
	if err := cmd.Start(); err == nil {
		fmt.Printf("sleepinit: started grandchild %d\n", cmd.Process.Pid)
		os.Stdout.Sync()
	}
	for {
		time.Sleep(time.Hour)
	}
}

// Run is never reached.
func Run() string { return "unreachable" }

func main() {}
