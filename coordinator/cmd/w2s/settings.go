package main

// Sweep settings from flags or a protojson spec file.

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/w2s-lab/w2s/node"
	w2sv1 "github.com/w2s-lab/w2s/proto/w2s/v1"
	"github.com/w2s-lab/w2s/solver"
)

// settingFlags are the flags for every setting of the trial protocol.
type settingFlags struct {
	spec    string
	n, d    string
	margin  string
	trials  int
	seed    uint64
	rhoS    float64
	rhoT    float64
	labels  string
	mode    string
	times   string
	lambdas string
	etaMax  float64
}

// flagField maps each settings flag to the field it sets.
var flagField = map[string]string{
	"n": "n", "d": "d", "margin": "margin", "trials": "trials", "seed": "seed",
	"rho-s": "rho_s", "rho-t": "rho_t", "labels": "labels", "mode": "mode",
	"times": "times", "lambdas": "lambdas", "eta-max": "eta_max",
}

func floats(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.FormatFloat(x, 'g', -1, 64)
	}
	return strings.Join(s, ",")
}

func (f *settingFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.spec, "spec", "", "read the settings from this protojson `file` (flags given as well override it)")
	fs.StringVar(&f.n, "n", "1000", "sample sizes n, a comma `list`")
	fs.StringVar(&f.d, "d", "100", "dimensions d, a comma `list`")
	fs.StringVar(&f.margin, "margin", "2", "margins γ (the logit scale both models share), a comma `list`")
	fs.IntVar(&f.trials, "trials", 100, "independent trials per cell")
	fs.Uint64Var(&f.seed, "seed", 0, "sweep seed")
	fs.Float64Var(&f.rhoS, "rho-s", solver.DefaultRhoS, "ρ_s, the student's initial cosine with the ground truth")
	fs.Float64Var(&f.rhoT, "rho-t", solver.DefaultRhoT, "ρ_t, the teacher's cosine with the ground truth")
	fs.StringVar(&f.labels, "labels", "soft", "teacher feedback: soft, hard or sampled")
	fs.StringVar(&f.mode, "mode", "flow", "finetuning: flow (gradient descent read at --times) or ridge (path read at --lambdas)")
	fs.StringVar(&f.times, "times", floats(solver.DefaultTimes), "flow checkpoint times, strictly increasing")
	fs.StringVar(&f.lambdas, "lambdas", floats(solver.DefaultLambdas), "ridge checkpoint λs, strictly decreasing")
	fs.Float64Var(&f.etaMax, "eta-max", solver.DefaultEtaMax, "largest gradient-descent step η_max (flow)")
}

// given returns the settings fields set by a flag on the command line.
func given(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) {
		if field, ok := flagField[fl.Name]; ok {
			set[field] = true
		}
	})
	return set
}

// settings builds the sweep settings: defaults, then the spec file's
// fields, then the flags given on the command line. Every refusal names the
// field and the value, and is a usage error.
func (f *settingFlags) settings(fs *flag.FlagSet) (*w2sv1.SweepSettings, error) {
	set := given(fs)
	s := &w2sv1.SweepSettings{ProtocolVersion: solver.ProtocolVersion}
	present := map[string]bool{}
	if f.spec != "" {
		var err error
		if s, present, err = readSpec(f.spec); err != nil {
			return nil, usageError{err}
		}
	}
	// A field takes its flag's value when the flag was given, or when the
	// spec does not have it (then the flag's value is its default).
	use := func(field string) bool { return set[field] || !present[field] }
	if err := f.apply(s, use); err != nil {
		return nil, err
	}
	// Only the checkpoint list of the chosen mode is kept.
	if s.Mode == w2sv1.Mode_MODE_RIDGE {
		if set["times"] || present["times"] {
			return nil, usagef("invalid times: ridge mode reads checkpoints at lambdas, not times")
		}
		if set["eta_max"] || present["eta_max"] {
			return nil, usagef("invalid eta_max: it is a setting of flow mode, not ridge")
		}
		s.Times, s.EtaMax = nil, 0
	} else {
		if set["lambdas"] || present["lambdas"] {
			return nil, usagef("invalid lambdas: flow mode reads checkpoints at times, not lambdas")
		}
		s.Lambdas = nil
	}
	if _, err := node.Validate(s); err != nil {
		return nil, usageError{err}
	}
	return s, nil
}

// apply parses the flag values of the fields for which use is true into s.
func (f *settingFlags) apply(s *w2sv1.SweepSettings, use func(field string) bool) error {
	var err error
	if use("n") {
		if s.N, err = intList("n", f.n); err != nil {
			return err
		}
	}
	if use("d") {
		if s.D, err = intList("d", f.d); err != nil {
			return err
		}
	}
	if use("margin") {
		if s.Margin, err = floatList("margin", f.margin); err != nil {
			return err
		}
	}
	if use("trials") {
		if f.trials > math.MaxInt32 || f.trials < math.MinInt32 {
			return usagef("invalid trials = %d: must be ≤ %d", f.trials, math.MaxInt32)
		}
		s.Trials = int32(f.trials)
	}
	if use("seed") {
		s.Seed = f.seed
	}
	if use("rho_s") {
		s.RhoS = f.rhoS
	}
	if use("rho_t") {
		s.RhoT = f.rhoT
	}
	if use("labels") {
		if s.Labels, err = parseLabels(f.labels); err != nil {
			return err
		}
	}
	if use("mode") {
		if s.Mode, err = parseMode(f.mode); err != nil {
			return err
		}
	}
	if use("lambdas") {
		if s.Lambdas, err = floatList("lambdas", f.lambdas); err != nil {
			return err
		}
	}
	if use("times") {
		if s.Times, err = floatList("times", f.times); err != nil {
			return err
		}
	}
	if use("eta_max") {
		s.EtaMax = f.etaMax
	}
	return nil
}

// contradicts checks the settings given to resume (flags and --spec)
// against the stored ones. Settings are fixed when a store is created, so
// any difference is refused, naming the field, the value given and the one
// stored.
func (f *settingFlags) contradicts(fs *flag.FlagSet, stored *w2sv1.SweepSettings) error {
	set := given(fs)
	want := proto.Clone(stored).(*w2sv1.SweepSettings)
	if f.spec != "" {
		spec, present, err := readSpec(f.spec)
		if err != nil {
			return usageError{err}
		}
		fields := want.ProtoReflect().Descriptor().Fields()
		for name := range present {
			fd := fields.ByName(protoreflect.Name(name))
			want.ProtoReflect().Set(fd, spec.ProtoReflect().Get(fd))
		}
	}
	if err := f.apply(want, func(field string) bool { return set[field] }); err != nil {
		return err
	}
	return sameSettings(want, stored)
}

// sameSettings refuses settings that differ from the stored ones, naming
// the first field that differs and both values.
func sameSettings(want, stored *w2sv1.SweepSettings) error {
	fields := want.ProtoReflect().Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		a, b := want.ProtoReflect().Get(fd), stored.ProtoReflect().Get(fd)
		if !a.Equal(b) {
			return usagef("%s = %s contradicts the stored settings (%s = %s): a sweep's settings are fixed when its store is created; start a new store with 'w2s run' to change them",
				fd.Name(), showValue(fd, a), fd.Name(), showValue(fd, b))
		}
	}
	return nil
}

// showValue prints a settings value as a user writes it.
func showValue(fd protoreflect.FieldDescriptor, v protoreflect.Value) string {
	if fd.IsList() {
		l := v.List()
		parts := make([]string, l.Len())
		for i := range parts {
			parts[i] = fmt.Sprint(l.Get(i).Interface())
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	if fd.Kind() == protoreflect.EnumKind {
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return string(ev.Name())
		}
	}
	return fmt.Sprint(v.Interface())
}

func intList(field, v string) ([]int32, error) {
	var out []int32
	for k, tok := range strings.Split(v, ",") {
		tok = strings.TrimSpace(tok)
		x, err := strconv.ParseInt(tok, 10, 32)
		if err != nil {
			return nil, usagef("invalid %s[%d] = %q: not an integer", field, k, tok)
		}
		out = append(out, int32(x))
	}
	return out, nil
}

func floatList(field, v string) ([]float64, error) {
	var out []float64
	for k, tok := range strings.Split(v, ",") {
		tok = strings.TrimSpace(tok)
		x, err := strconv.ParseFloat(tok, 64)
		if err != nil && !isRangeErr(err) {
			return nil, usagef("invalid %s[%d] = %q: not a number", field, k, tok)
		}
		out = append(out, x) // ±Inf from a range error is refused by validation
	}
	return out, nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func parseLabels(v string) (w2sv1.Labels, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "soft":
		return w2sv1.Labels_LABELS_SOFT, nil
	case "hard":
		return w2sv1.Labels_LABELS_HARD, nil
	case "sampled":
		return w2sv1.Labels_LABELS_SAMPLED, nil
	}
	return 0, usagef("invalid labels = %q: must be soft, hard or sampled", v)
}

func parseMode(v string) (w2sv1.Mode, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "flow":
		return w2sv1.Mode_MODE_FLOW, nil
	case "ridge":
		return w2sv1.Mode_MODE_RIDGE, nil
	}
	return 0, usagef("invalid mode = %q: must be flow or ridge", v)
}

// readSpec reads a protojson SweepSettings. Besides the enum names
// (LABELS_SOFT, MODE_RIDGE) it accepts the short forms soft, hard, sampled,
// flow and ridge. It also returns which fields the file has, so that
// absent fields take their defaults and present ones are kept even when
// zero (and then refused by validation, not silently replaced).
func readSpec(path string) (*w2sv1.SweepSettings, map[string]bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("spec: %w", err)
	}
	return parseSpec(b, path)
}

func parseSpec(b []byte, name string) (*w2sv1.SweepSettings, map[string]bool, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, nil, fmt.Errorf("spec %s: not a JSON object: %v", name, err)
	}
	present := map[string]bool{}
	fields := w2sv1.File_w2s_v1_w2s_proto.Messages().ByName("SweepSettings").Fields()
	for key, val := range raw {
		fd := fields.ByJSONName(key)
		if fd == nil {
			fd = fields.ByTextName(key)
		}
		if fd == nil {
			return nil, nil, fmt.Errorf("spec %s: unknown field %q", name, key)
		}
		present[string(fd.Name())] = true
		switch fd.Name() {
		case "labels", "mode":
			var short string
			if json.Unmarshal(val, &short) == nil {
				var e int32
				var err error
				if fd.Name() == "labels" && !strings.HasPrefix(short, "LABELS_") {
					var l w2sv1.Labels
					l, err = parseLabels(short)
					e = int32(l)
				} else if fd.Name() == "mode" && !strings.HasPrefix(short, "MODE_") {
					var m w2sv1.Mode
					m, err = parseMode(short)
					e = int32(m)
				} else {
					continue
				}
				if err != nil {
					return nil, nil, fmt.Errorf("spec %s: %v", name, err)
				}
				raw[key] = json.RawMessage(strconv.Itoa(int(e)))
			}
		}
	}
	norm, err := json.Marshal(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("spec %s: %v", name, err)
	}
	s := &w2sv1.SweepSettings{}
	if err := protojson.Unmarshal(norm, s); err != nil {
		return nil, nil, fmt.Errorf("spec %s: %v", name, err)
	}
	if !present["protocol_version"] {
		s.ProtocolVersion = solver.ProtocolVersion
	}
	return s, present, nil
}
