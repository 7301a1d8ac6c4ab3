package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Shopify/toxiproxy/v2/stream"
	"github.com/Shopify/toxiproxy/v2/toxics"
)

// run feeds input through toxic in chunks of size and returns what came out.
func run(t *testing.T, toxic toxics.Toxic, input string, size int) string {
	t.Helper()
	in := make(chan *stream.StreamChunk)
	out := make(chan *stream.StreamChunk)
	stub := toxics.NewToxicStub(in, out)
	done := make(chan struct{})
	go func() { toxic.Pipe(stub); close(done) }()
	go func() {
		for i := 0; i < len(input); i += size {
			in <- &stream.StreamChunk{Data: []byte(input[i:min(i+size, len(input))]), Timestamp: time.Now()}
		}
		close(in)
	}()
	var got bytes.Buffer
	for c := range out {
		got.Write(c.Data)
	}
	<-done
	return got.String()
}

const (
	create = "POST /api/2.0/mlflow/model-versions/create HTTP/1.1\r\nHost: mlflow\r\nContent-Length: 2\r\n\r\n{}"
	get    = "GET /api/2.0/mlflow/registered-models/get?name=a HTTP/1.1\r\nHost: mlflow\r\n\r\n"
)

func TestHTTPStatusDivertsTheFirstCountMatchingRequests(t *testing.T) {
	toxic := &HTTPStatusToxic{Status: 429, Count: 2, RetryAfter: 1, Path: "/create"}
	for _, size := range []int{1, 7, 4096} {
		toxic.taken.Store(0)
		got := run(t, toxic, create+get+create+create, size)
		br := bufio.NewReader(strings.NewReader(got))
		var paths []string
		for {
			req, err := http.ReadRequest(br)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("chunks of %d: output is not HTTP: %v\n%q", size, err, got)
			}
			_, _ = io.Copy(io.Discard, req.Body)
			paths = append(paths, req.URL.RequestURI())
		}
		want := []string{
			"/api/2.0/mlflow/registered-models/get?name=toxiproxy_http_status_429_1_end",
			"/api/2.0/mlflow/registered-models/get?name=a",
			"/api/2.0/mlflow/registered-models/get?name=toxiproxy_http_status_429_1_end",
			"/api/2.0/mlflow/model-versions/create",
		}
		if strings.Join(paths, " ") != strings.Join(want, " ") {
			t.Fatalf("chunks of %d: requests upstream = %v, want %v", size, paths, want)
		}
		if !strings.HasSuffix(got, create) {
			t.Fatalf("chunks of %d: the request after the burst is not forwarded byte for byte: %q", size, got)
		}
	}
}

func TestHTTPStatusReplyAnswersOnlyMarkedAnswers(t *testing.T) {
	body := `{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Registered Model with name=toxiproxy_http_status_503_2_end not found"}`
	marked := fmt.Sprintf("HTTP/1.1 404 NOT FOUND\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	plain := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
	for _, size := range []int{1, 5, 4096} {
		got := run(t, &HTTPStatusReplyToxic{}, plain+marked+plain, size)
		br := bufio.NewReader(strings.NewReader(got))
		var statuses []string
		for {
			if _, err := br.Peek(1); errors.Is(err, io.EOF) {
				break
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("chunks of %d: output is not HTTP: %v\n%q", size, err, got)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			statuses = append(statuses, resp.Status+" retry="+resp.Header.Get("Retry-After"))
		}
		want := "200 OK retry= 503 Service Unavailable retry=2 200 OK retry="
		if strings.Join(statuses, " ") != want {
			t.Fatalf("chunks of %d: answers = %v, want %s", size, statuses, want)
		}
		if !strings.HasPrefix(got, plain) || !strings.HasSuffix(got, plain) {
			t.Fatalf("chunks of %d: unmarked answers are not forwarded byte for byte: %q", size, got)
		}
	}
}
