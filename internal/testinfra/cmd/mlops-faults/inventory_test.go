package main

import (
	"strings"
	"testing"
)

func TestCountOrphansDuplicatesAndNeedlessDestroys(t *testing.T) {
	state := []object{
		{Kind: "model", Key: "m-0"},
		{Kind: "version", Key: "m-0 s3://a/0", ID: "3"},
		{Kind: "alias", Key: "m-0@champion"},
		{Kind: "endpoint", Key: "ns/ep-0"},
	}
	before := []object{
		{Kind: "model", Key: "m-0", ID: "100"},
		{Kind: "version", Key: "m-0 s3://a/0", ID: "1"}, // replaced by version 3: destroyed without need
		{Kind: "endpoint", Key: "ns/ep-0", ID: "uid-a"}, // re-created as uid-b
	}
	server := []object{
		{Kind: "model", Key: "m-0", ID: "100"},
		{Kind: "version", Key: "m-0 s3://a/0", ID: "2"}, // an ambiguous create: orphan and duplicate
		{Kind: "version", Key: "m-0 s3://a/0", ID: "3"},
		{Kind: "alias", Key: "m-0@champion", ID: "3"},
		{Kind: "endpoint", Key: "ns/ep-0", ID: "uid-b"},
		{Kind: "endpoint", Key: "ns/ep-1", ID: "uid-c"}, // created, never recorded: orphan
	}
	got := count(server, state, [][]object{before, server})
	if got.InState != 4 || got.OnServer != 6 || got.Orphans != 2 || got.Duplicates != 1 || got.NeedlessDestroys != 2 {
		t.Fatalf("count = %+v", got)
	}
	want := []string{
		"destroyed: endpoint ns/ep-0 uid-a",
		"destroyed: version m-0 s3://a/0 1",
		"duplicate: version m-0 s3://a/0 (2, 3)",
		"orphan: endpoint ns/ep-1 uid-c",
		"orphan: version m-0 s3://a/0 2",
	}
	if strings.Join(got.Details, "\n") != strings.Join(want, "\n") {
		t.Fatalf("details:\n%s\nwant:\n%s", strings.Join(got.Details, "\n"), strings.Join(want, "\n"))
	}
}

func TestCountCleanRun(t *testing.T) {
	server := []object{{Kind: "model", Key: "m", ID: "1"}, {Kind: "alias", Key: "m@a", ID: "1"}}
	state := []object{{Kind: "model", Key: "m"}, {Kind: "alias", Key: "m@a"}}
	// An alias that moved (ID 1 -> 2) is an update, not a destroy.
	earlier := []object{{Kind: "model", Key: "m", ID: "1"}, {Kind: "alias", Key: "m@a", ID: "2"}}
	if got := count(server, state, [][]object{earlier}); got.Orphans+got.Duplicates+got.NeedlessDestroys != 0 || len(got.Details) != 0 {
		t.Fatalf("count = %+v", got)
	}
}

func TestStateObjects(t *testing.T) {
	show := `{"format_version":"1.0","values":{"root_module":{"resources":[
	  {"mode":"managed","type":"mlops_model_version","values":{"model_name":"m","source":"s3://x","version":"4"}},
	  {"mode":"managed","type":"mlops_endpoint","values":{"namespace":"ns","name":"e"}},
	  {"mode":"data","type":"mlops_endpoint","values":{"namespace":"ns","name":"e"}}]}}}`
	got, err := stateObjects([]byte(show))
	if err != nil {
		t.Fatal(err)
	}
	want := []object{{Kind: "version", Key: "m s3://x", ID: "4"}, {Kind: "endpoint", Key: "ns/e"}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("stateObjects = %+v, want %+v", got, want)
	}
	if got, err := stateObjects([]byte(`{"format_version":"1.0"}`)); err != nil || len(got) != 0 {
		t.Fatalf("empty state: %v, %v", got, err)
	}
}

func TestPanics(t *testing.T) {
	out := "ok\npanic: runtime error: index out of range\n\nError: Value Conversion Error\n\nThis is always an error in the provider. Please report\n"
	if n := panics(out, "nothing here"); n != 2 {
		t.Fatalf("panics = %d, want 2", n)
	}
}
