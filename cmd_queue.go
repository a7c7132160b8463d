package main

import (
	"context"
	"errors"
	"io"
)

// runQueue is not built yet.
func runQueue(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("queue: not implemented yet")
}
