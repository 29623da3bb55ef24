package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"google.golang.org/protobuf/encoding/protojson"
)

func statusCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("status", "--store PATH", stderr)
	path := fs.String("store", "", "path of the store `file` (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" {
		return usagef("--store is required")
	}
	st, err := openStore(*path, true)
	if err != nil {
		return err
	}
	defer st.Close()
	s := st.Settings()
	counts, err := st.Counts()
	if err != nil {
		return err
	}
	spec, _ := protojson.MarshalOptions{UseProtoNames: true}.Marshal(s)
	fmt.Fprintf(stdout, "store:    %s\nsettings: %s\n", st.Path(), spec)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "cell\tmargin\tn\td\tdone\tof\t\t")
	var done, total int64
	complete := 0
	for ord, c := range s.Cells() {
		n := counts[ord]
		done += int64(n)
		total += int64(s.GetTrials())
		mark := ""
		if n == int(s.GetTrials()) {
			complete++
			mark = "complete"
		}
		fmt.Fprintf(tw, "%d\t%g\t%d\t%d\t%d\t%d\t%s\t\n", ord, c.GetMargin(), c.GetN(), c.GetD(), n, s.GetTrials(), mark)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	state := "complete"
	if done < total {
		state = fmt.Sprintf("incomplete: finish with 'w2s resume --store %s'", st.Path())
	}
	fmt.Fprintf(stdout, "%s\n%d/%d cells complete, %d/%d trials (%.1f%%); %s\n", strings.Repeat("-", 40),
		complete, len(counts), done, total, 100*float64(done)/float64(max(total, 1)), state)
	return nil
}
