package main

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

// FuzzParseSpec feeds arbitrary bytes to the protojson spec parser and the
// validation after it: no panic, and every refusal names the spec.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{
		`{"n": [100, 1000], "d": [50], "margin": [1, 2], "trials": 500, "mode": "ridge", "labels": "hard"}`,
		`{"rho_s": 0}`, `{"times": [1, 0.5]}`, `{"margin": ["NaN"]}`, `{"labels": "LABELS_SAMPLED"}`,
		`{"seed": "18446744073709551615", "n": [2147483647]}`, `[]`, `null`, `{"n": 5}`, `{"unknown": 1}`,
		`{"labels": 7}`, `{"lambdas": [1e308, 0]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, _, err := parseSpec(b, "fuzz.json")
		if err != nil {
			if !strings.Contains(err.Error(), "spec fuzz.json") {
				t.Fatalf("refusal does not name the spec: %v", err)
			}
			return
		}
		_ = s.Cells()
	})
}

// FuzzSettingsFlags feeds arbitrary flag values through the settings
// builder: no panic; every refusal is a usage error (exit status 2) that
// names a field.
func FuzzSettingsFlags(f *testing.F) {
	f.Add("100,1000", "50", "1,2", "0.25,1,4", "10,1,0.1", "soft", "flow", 100)
	f.Add("0", "1", "-1", "1,1", "0,1", "hard", "ridge", 0)
	f.Add(" 5 , 6", "2,3", "inf", "nan", "", "sampled", "sgd", -7)
	f.Fuzz(func(t *testing.T, n, d, margin, times, lambdas, labels, mode string, trials int) {
		fs := flag.NewFlagSet("fuzz", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var sf settingFlags
		sf.register(fs)
		args := []string{"--n", n, "--d", d, "--margin", margin, "--labels", labels, "--mode", mode, "--trials", itoa(trials)}
		if strings.EqualFold(strings.TrimSpace(mode), "ridge") {
			args = append(args, "--lambdas", lambdas)
		} else {
			args = append(args, "--times", times)
		}
		if err := fs.Parse(args); err != nil {
			return // the flag package refuses it, naming the flag
		}
		_, err := sf.settings(fs)
		if err == nil {
			return
		}
		var ue usageError
		if !errors.As(err, &ue) {
			t.Fatalf("refusal is not a usage error: %v", err)
		}
		msg := err.Error()
		named := false
		for _, field := range flagField {
			if strings.Contains(msg, field) {
				named = true
			}
		}
		if !named {
			t.Fatalf("refusal names no field: %q", msg)
		}
	})
}

func itoa(n int) string {
	neg := n < 0
	if neg {
		n = -n
	}
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			break
		}
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}
