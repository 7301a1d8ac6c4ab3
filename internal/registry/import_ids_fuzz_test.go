package registry

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// Fuzz targets for the registry's import-ID parsers. Their seeds (f.Add and
// testdata/fuzz/<target>/) run as ordinary tests with go test; fuzz with
// scripts/fuzz.sh.

// checkRejection asserts that a refused ID gets a problem that names the
// expected format and quotes the ID.
func checkRejection(t *testing.T, id, problem, format string) {
	t.Helper()
	if !strings.Contains(problem, format) {
		t.Fatalf("problem for %q does not name the format %s: %q", id, format, problem)
	}
	if !strings.Contains(problem, fmt.Sprintf("%q", id)) {
		t.Fatalf("problem for %q does not quote the ID: %q", id, problem)
	}
}

// isVersion is the oracle for a version number: a positive integer written
// without sign, leading zeros or spaces (MLflow numbers versions 1, 2, 3, ...).
func isVersion(s string) bool {
	n, ok := new(big.Int).SetString(s, 10)
	return ok && n.Sign() > 0 && n.String() == s
}

func FuzzParseModelVersionID(f *testing.F) {
	for _, s := range [][2]string{
		{"churn/3", "churn"}, {"churn/03", "a/b"}, {"churn/0", "x"}, {"churn/", " "}, {"/3", ""}, {" /3", "\t"},
		{"a/b/12", "team/model"}, {"churn/latest", "m"}, {"churn", "churn"}, {"churn/+3", "é"},
		{"churn/3 ", "churn"}, {"churn/18446744073709551616", "n"}, {"churn/٣", "n"}, {"", ""},
	} {
		f.Add(s[0], s[1], uint64(3))
	}
	const format = "`<model_name>/<version>`"
	f.Fuzz(func(t *testing.T, id, name string, n uint64) {
		// Parsing: an accepted ID has a non-blank name and a version
		// number, and formats back to itself.
		gotName, gotVersion, problem := parseModelVersionID(id)
		if problem != "" {
			checkRejection(t, id, problem, format)
			if gotName != "" || gotVersion != "" {
				t.Fatalf("%q refused but returned parts %q, %q", id, gotName, gotVersion)
			}
		} else {
			if strings.TrimSpace(gotName) == "" || !isVersion(gotVersion) {
				t.Fatalf("%q accepted with name %q and version %q", id, gotName, gotVersion)
			}
			if modelVersionID(gotName, gotVersion) != id {
				t.Fatalf("%q parsed to %q, %q, which formats to %q", id, gotName, gotVersion, modelVersionID(gotName, gotVersion))
			}
		}
		// Formatting: every model name that is not blank, with every
		// version, gives an ID that parses back to them.
		if strings.TrimSpace(name) == "" || n == 0 {
			return
		}
		version := strconv.FormatUint(n, 10)
		id = modelVersionID(name, version)
		gotName, gotVersion, problem = parseModelVersionID(id)
		if problem != "" || gotName != name || gotVersion != version {
			t.Fatalf("%q (from %q and %s) parsed to %q, %q, problem %q", id, name, version, gotName, gotVersion, problem)
		}
	})
}

// mlflowAlias is MLflow's own rule for alias names (mlflow/utils/validation.py,
// _REGISTERED_MODEL_ALIAS_REGEX: letters, digits, '_' and '-'), by which no
// alias holds an '@'.
func mlflowAlias(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-'
	})
}

func FuzzParseModelAliasID(f *testing.F) {
	for _, s := range [][3]string{
		{"churn@champion", "churn", "champion"}, {"a@b@c", "a@b", "c"}, {"@champion", "", "champion"}, {"churn@", "churn", ""},
		{" @champion", " ", "x"}, {"churn@ ", "churn", "\n"}, {"churn", "team/churn", "prod-1"}, {"", "m", "a@b"},
		{"m-champion", "模型", "冠军"}, {"churn@champion\n", "churn", "champion"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	const format = "`<model_name>@<alias>`"
	f.Fuzz(func(t *testing.T, id, name, alias string) {
		gotName, gotAlias, problem := parseModelAliasID(id)
		if problem != "" {
			checkRejection(t, id, problem, format)
			if gotName != "" || gotAlias != "" {
				t.Fatalf("%q refused but returned parts %q, %q", id, gotName, gotAlias)
			}
		} else {
			if strings.TrimSpace(gotName) == "" || strings.TrimSpace(gotAlias) == "" || strings.Contains(gotAlias, "@") {
				t.Fatalf("%q accepted with name %q and alias %q", id, gotName, gotAlias)
			}
			if modelAliasID(gotName, gotAlias) != id {
				t.Fatalf("%q parsed to %q, %q, which formats to %q", id, gotName, gotAlias, modelAliasID(gotName, gotAlias))
			}
		}
		// Every alias MLflow accepts, on any model that is not blank,
		// gives an ID that parses back to them.
		if strings.TrimSpace(name) == "" || !mlflowAlias(alias) {
			return
		}
		id = modelAliasID(name, alias)
		gotName, gotAlias, problem = parseModelAliasID(id)
		if problem != "" || gotName != name || gotAlias != alias {
			t.Fatalf("%q (from %q and %q) parsed to %q, %q, problem %q", id, name, alias, gotName, gotAlias, problem)
		}
	})
}

func FuzzParseRegisteredModelID(f *testing.F) {
	for _, s := range []string{"churn", "", " ", "\t\n", "team/churn", "churn:1", " churn ", "模型", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		name, problem := parseRegisteredModelID(id)
		if strings.TrimSpace(id) == "" {
			if problem == "" {
				t.Fatalf("blank ID %q accepted", id)
			}
			checkRejection(t, id, problem, "the model's name")
			return
		}
		if problem != "" || name != id {
			t.Fatalf("%q parsed to %q, problem %q; want the ID itself as the name", id, name, problem)
		}
	})
}

func FuzzParseWebhookID(f *testing.F) {
	for _, s := range []string{"5f0e2c4a9b8d4e1f", "", " ", "a/b", "a b", "a\tb", "a\u00a0b", "a\u2028b", "webhook-1", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		got, problem := parseWebhookID(id)
		valid := id != "" && !strings.ContainsFunc(id, func(r rune) bool { return r == '/' || unicode.IsSpace(r) })
		switch {
		case valid && (problem != "" || got != id):
			t.Fatalf("%q parsed to %q, problem %q; want the ID itself", id, got, problem)
		case !valid && problem == "":
			t.Fatalf("%q accepted as %q", id, got)
		case !valid:
			checkRejection(t, id, problem, "MLflow's webhook id")
		}
	})
}
