package faq

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// debounce is how long Watch waits after the last change before loading:
// editors write a file in several steps, or replace it by a rename.
const debounce = 200 * time.Millisecond

// Watch reloads the FAQ file at path whenever it changes, until ctx is done,
// and then returns nil. It watches the file's directory, so a file replaced
// by a rename (as editors and Kubernetes config maps do) is seen too, and
// waits for changes to settle. A new version that loads is passed to
// onLoad; one that does not, or a file that disappears, to onError (an
// ErrorList or a file-system error), and the caller keeps serving the FAQ it
// has. Writing the same content again calls neither. Watch does not load the
// file at the start: the caller has done that. The callbacks run one at a
// time on Watch's goroutine.
func Watch(ctx context.Context, path string, onLoad func(*FAQ), onError func(error)) error {
	return watch(ctx, path, onLoad, onError, nil)
}

// watch is Watch with a hook called once the watcher is in place (tests
// write only after it).
func watch(ctx context.Context, path string, onLoad func(*FAQ), onError func(error), ready func()) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", path, err)
	}
	defer w.Close()

	// Watch the file's directory, and the directory of the file it links
	// to, if it is a symbolic link.
	names := map[string]bool{}
	dirs := map[string]bool{}
	for _, p := range []string{path, resolved(path)} {
		if p == "" {
			continue
		}
		names[filepath.Base(p)] = true
		dir := filepath.Dir(p)
		if dirs[dir] {
			continue
		}
		if err := w.Add(dir); err != nil {
			return fmt.Errorf("watch %s: %w", path, err)
		}
		dirs[dir] = true
	}
	relevant := func(ev fsnotify.Event) bool {
		if ev.Op == fsnotify.Chmod {
			return false
		}
		base := filepath.Base(ev.Name)
		// ..data is what Kubernetes swaps to update a mounted config map.
		return names[base] || strings.HasPrefix(base, "..")
	}

	last, _ := os.ReadFile(path)
	reload := func() {
		data, err := os.ReadFile(path)
		if err != nil {
			last = nil
			onError(err)
			return
		}
		if last != nil && bytes.Equal(data, last) {
			return
		}
		last = data
		f, err := Parse(bytes.NewReader(data), path)
		if err != nil {
			onError(err)
			return
		}
		onLoad(f)
	}

	timer := time.NewTimer(debounce)
	timer.Stop()
	if ready != nil {
		ready()
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return errors.New("watch " + path + ": the watcher stopped")
			}
			if relevant(ev) {
				timer.Reset(debounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return errors.New("watch " + path + ": the watcher stopped")
			}
			// An overflow or a passing failure: check the file anyway.
			onError(fmt.Errorf("watch %s: %w", path, err))
			timer.Reset(debounce)
		case <-timer.C:
			reload()
		}
	}
}

// resolved returns the file a symbolic link at path points to, or "" when
// path is not a link.
func resolved(path string) string {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		return ""
	}
	p, err := filepath.EvalSymlinks(path)
	if err != nil {
		return ""
	}
	return p
}
