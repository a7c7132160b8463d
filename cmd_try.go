package main

import (
	"context"
	"errors"
	"io"
)

// runTry is not built yet.
func runTry(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("try: not implemented yet")
}
