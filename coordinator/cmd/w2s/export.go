package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/w2s-lab/w2s/results"
)

func exportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", "--store PATH --format csv|json|png|svg [--out PATH] [figure flags]", stderr)
	path := fs.String("store", "", "path of the store `file` (required)")
	format := fs.String("format", "csv", "output format: csv (one tidy row per margin, n, d, checkpoint, event), json, or a figure: png or svg")
	out := fs.String("out", "", "write to this `file` instead of stdout (written whole or not at all)")
	var ff figureFlags
	ff.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" {
		return usagef("--store is required")
	}
	var write func(io.Writer, *results.Surface) error
	switch *format {
	case "csv":
		write = results.WriteCSV
	case "json":
		write = results.WriteJSON
	case "png", "svg":
	default:
		return usagef("invalid --format = %q: must be csv, json, png or svg", *format)
	}
	st, err := openStore(*path, true)
	if err != nil {
		return err
	}
	defer st.Close()
	surf, err := results.Aggregate(st)
	if err != nil {
		return err
	}
	if write == nil {
		return writeFigure(st, surf, &ff, *format, *out, stdout)
	}
	if *out == "" {
		bw := bufio.NewWriter(stdout)
		if err := write(bw, surf); err != nil {
			return err
		}
		return bw.Flush()
	}
	return writeFileAtomic(*out, func(w io.Writer) error { return write(w, surf) })
}

// writeFileAtomic writes a file through a temporary file in the same
// directory and a rename, so the path holds either the old or the complete
// new content.
func writeFileAtomic(path string, fill func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	bw := bufio.NewWriter(tmp)
	if err := fill(bw); err != nil {
		tmp.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
