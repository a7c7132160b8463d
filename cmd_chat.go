package main

import (
	"context"
	"errors"
	"io"
)

// runChat is not built yet.
func runChat(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return errors.New("chat: not implemented yet")
}
