// compose-config loads a Compose file the way `docker compose config` does, with the loader Docker
// Compose itself is built on (github.com/compose-spec/compose-go/v2): interpolation from the
// environment, the Compose Specification's JSON schema, normalization and the cross-checks
// (services named in depends_on exist, volumes are declared, ...). It prints the resolved model as
// YAML and exits 0, or prints the error and exits 1. The repo has no Docker engine or Compose v2;
// Debian's docker-compose is v1, which predates parts of the current specification.
//
//	go run . [-f docker-compose.yml] [--services]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	file := flag.String("f", "docker-compose.yml", "the Compose file")
	services := flag.Bool("services", false, "print the service names only, one a line")
	flag.Parse()

	absolute, err := filepath.Abs(*file)
	if err != nil {
		fail(err)
	}
	options, err := cli.NewProjectOptions(
		[]string{absolute},
		cli.WithOsEnv,
		cli.WithWorkingDirectory(filepath.Dir(absolute)),
		cli.WithName("llm-cascade"),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	if *services {
		for _, name := range project.ServiceNames() {
			fmt.Println(name)
		}
		return
	}
	out, err := project.MarshalYAML()
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(out)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "compose-config: %v\n", err)
	os.Exit(1)
}
