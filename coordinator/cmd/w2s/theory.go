package main

// w2s theory: the population-limit (n → ∞, soft labels) predictions beside
// which Monte Carlo surfaces are read.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/solver/theory"
)

func theoryCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("theory", "[--store PATH | --rho-s --rho-t --margin --mode --times/--lambdas] [--d LIST] [--format table|csv|json]", stderr)
	var sf settingFlags
	sf.register(fs)
	store := fs.String("store", "", "take ρ_s, ρ_t, the margins, the mode, the checkpoints and the d list from this store's settings")
	dList := fs.String("d-theory", "", "dimensions to predict at, a comma list; inf for d → ∞ (default: inf, and the store's d list with --store)")
	format := fs.String("format", "table", "output: table, csv or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var s *w2sv1.SweepSettings
	if *store != "" {
		st, err := openStore(*store, true)
		if err != nil {
			return err
		}
		s = st.Settings()
		st.Close()
	} else {
		var err error
		if s, err = sf.settings(fs); err != nil {
			return err
		}
	}
	if s.GetLabels() != w2sv1.Labels_LABELS_SOFT {
		return usagef("invalid labels = %s: the population theory is for soft labels", shortLabels(s.GetLabels()))
	}
	ds := []int{0}
	if *store != "" {
		for _, d := range s.GetD() {
			ds = append(ds, int(d))
		}
	}
	if *dList != "" {
		ds = ds[:0]
		for k, tok := range strings.Split(*dList, ",") {
			tok = strings.TrimSpace(tok)
			if tok == "inf" || tok == "∞" {
				ds = append(ds, 0)
				continue
			}
			d, err := strconv.Atoi(tok)
			if err != nil || d < 2 {
				return usagef("invalid --d-theory[%d] = %q: want an integer ≥ 2, or inf", k, tok)
			}
			ds = append(ds, d)
		}
	}
	mode := theory.Flow
	if s.GetMode() == w2sv1.Mode_MODE_RIDGE {
		mode = theory.Ridge
	}
	ckpts := s.Checkpoints()
	lo, hi := 0.0, 4*ckpts[len(ckpts)-1]
	if mode == theory.Ridge {
		lo, hi = math.Max(ckpts[len(ckpts)-1], 1e-6)/100, ckpts[0]*100
		if lo >= hi {
			lo = hi / 1e4
		}
	}
	type row struct {
		Margin  float64            `json:"margin"`
		D       string             `json:"d"`
		Cos     []float64          `json:"mean_cos"`
		PW2S    []float64          `json:"p_w2s"`
		Windows []theory.Interval  `json:"w2s_windows"`
		Curve   theory.Curve       `json:"-"`
		Extra   map[string]float64 `json:"-"`
	}
	var rows []row
	for _, g := range s.GetMargin() {
		p := theory.Params{RhoS: s.GetRhoS(), RhoT: s.GetRhoT(), Gamma: g}
		for _, d := range ds {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			c, err := theory.Predict(p, mode, d, ckpts)
			if err != nil {
				return usageError{err}
			}
			w, err := theory.Window(p, mode, d, lo, hi)
			if err != nil {
				return usageError{err}
			}
			name := "inf"
			if d > 0 {
				name = strconv.Itoa(d)
			}
			rows = append(rows, row{Margin: g, D: name, Cos: c.MeanCos, PW2S: c.PW2S, Windows: w})
		}
	}
	kind := "t"
	if mode == theory.Ridge {
		kind = "λ"
	}
	switch *format {
	case "json":
		out := map[string]any{"rho_s": s.GetRhoS(), "rho_t": s.GetRhoT(), "mode": mode.String(), "checkpoints": ckpts, "rows": rows}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	case "csv":
		fmt.Fprintln(stdout, "margin,d,checkpoint_kind,checkpoint,mean_cos,p_w2s")
		for _, r := range rows {
			for k, c := range ckpts {
				fmt.Fprintf(stdout, "%g,%s,%s,%g,%.10g,%.10g\n", r.Margin, r.D, map[string]string{"t": "time", "λ": "lambda"}[kind], c, r.Cos[k], r.PW2S[k])
			}
		}
		return nil
	case "table":
	default:
		return usagef("invalid --format = %q: must be table, csv or json", *format)
	}
	fmt.Fprintf(stdout, "Population limit (n → ∞, soft labels, %s): mean cosine at each checkpoint %s, ρ_s=%g, ρ_t=%g\n",
		map[theory.Mode]string{theory.Flow: "gradient flow", theory.Ridge: "ridge path"}[mode], kind, s.GetRhoS(), s.GetRhoT())
	fmt.Fprintln(stdout, "(d = inf: student and teacher errors orthogonal; finite d: averaged over random pairs; P(w2s) over those pairs)")
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"margin", "d", ""}
	for k, c := range ckpts {
		l := strconv.FormatFloat(c, 'g', -1, 64)
		if k == 0 {
			l = kind + "=" + l
		}
		head = append(head, l)
	}
	head = append(head, "w2s window")
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, r := range rows {
		line := []string{fmt.Sprint(r.Margin), r.D, "cos"}
		for _, c := range r.Cos {
			line = append(line, fmt.Sprintf("%.4f", c))
		}
		line = append(line, windows(r.Windows, kind))
		fmt.Fprintln(tw, strings.Join(line, "\t")+"\t")
		if r.D != "inf" {
			line = []string{"", "", "P(w2s)"}
			for _, p := range r.PW2S {
				line = append(line, fmt.Sprintf("%.3f", p))
			}
			fmt.Fprintln(tw, strings.Join(append(line, ""), "\t")+"\t")
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "w2s window: the %ss at which the (mean) cosine exceeds max(ρ_s, ρ_t), searched in [%g, %g].\n", kind, lo, hi)
	return nil
}

func windows(ws []theory.Interval, kind string) string {
	if len(ws) == 0 {
		return "none"
	}
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = fmt.Sprintf("%.4g ≤ %s ≤ %.4g", w.Lo, kind, w.Hi)
	}
	return strings.Join(parts, ", ")
}
