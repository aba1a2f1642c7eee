// compose-config loads a compose file with compose-go, the loader `docker compose` itself is built on, and
// prints the resolved project as JSON (as `docker compose config --format json` does), or the loader's error
// on stderr with exit status 1. Only the env file given is read: the process environment is not used, so the
// result depends on the files alone. The deployment tests (test/deploy/compose.test.ts) run it.
//
//	compose-config <compose.yaml> <env-file> [profile ...]
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: compose-config <compose.yaml> <env-file> [profile ...]")
		os.Exit(2)
	}
	opts, err := cli.NewProjectOptions(
		[]string{os.Args[1]},
		cli.WithName("proxysweep"),
		cli.WithEnvFiles(os.Args[2]),
		cli.WithDotEnv,
		cli.WithProfiles(os.Args[3:]),
		cli.WithResolvedPaths(true),
	)
	if err == nil {
		var out []byte
		project, loadErr := opts.LoadProject(context.Background())
		if err = loadErr; err == nil {
			if out, err = project.MarshalJSON(); err == nil {
				_, err = os.Stdout.Write(append(out, '\n'))
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
