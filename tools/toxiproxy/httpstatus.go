package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/Shopify/toxiproxy/v2/stream"
	"github.com/Shopify/toxiproxy/v2/toxics"
)

// A toxic sees one direction of a connection only (toxiproxy v2.12 has no
// bidirectional toxics), so it cannot answer a client by itself. The HTTP
// status fault is therefore two toxics:
//
//   - HTTPStatusToxic, on the upstream stream, takes the first Count requests
//     (whose path contains Path) away from the server: their bytes are
//     dropped, and in their place it sends the server a harmless read, the
//     Probe, that carries a marker naming the status to answer. The server
//     never sees the original request, as behind a real rate limiter.
//   - HTTPStatusReplyToxic, on the downstream stream, replaces each answer
//     that carries a marker with the status, Retry-After and a JSON error.
//
// HTTP/1.1 answers come back in the order of the requests on a connection, so
// every answered request gets exactly one replaced answer. Everything else
// passes through byte for byte. Plain HTTP only: a TLS stream cannot be read.

// defaultProbe is a read that MLflow answers with 404 RESOURCE_DOES_NOT_EXIST,
// echoing the name, and so the marker, in its message.
const defaultProbe = "/api/2.0/mlflow/registered-models/get?name=%s"

var markerRE = regexp.MustCompile(`toxiproxy_http_status_([0-9]{3})_([0-9]+)_end`)

func marker(status, retryAfter int) string {
	return fmt.Sprintf("toxiproxy_http_status_%d_%d_end", status, retryAfter)
}

// HTTPStatusToxic is the upstream half (see above). Its attributes are set
// through toxiproxy's API.
type HTTPStatusToxic struct {
	// Status answered, 503 when unset.
	Status int `json:"status"`
	// Count of requests answered with Status, over all connections of the
	// proxy since the toxic was added; 0 answers every matching request.
	Count int64 `json:"count"`
	// RetryAfter in seconds, sent as the Retry-After header when positive.
	RetryAfter int `json:"retry_after"`
	// Path: only requests whose path contains it are answered (all when
	// empty).
	Path string `json:"path"`
	// Probe is the request path sent to the server instead, %s replaced by
	// the marker; the server must echo it in its answer's body.
	Probe string `json:"probe"`

	// taken counts the requests answered so far; the toxic's value is shared
	// by every connection of the proxy.
	taken atomic.Int64
}

// take reports whether a request for path is to be answered with the status.
func (t *HTTPStatusToxic) take(path string) bool {
	if t.Path != "" && !strings.Contains(path, t.Path) {
		return false
	}
	if t.Count <= 0 {
		return true
	}
	return t.taken.Add(1) <= t.Count
}

func (t *HTTPStatusToxic) probe(host string) []byte {
	status := t.Status
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	p := t.Probe
	if p == "" {
		p = defaultProbe
	}
	target := strings.ReplaceAll(p, "%s", marker(status, max(t.RetryAfter, 0)))
	return fmt.Appendf(nil, "GET %s HTTP/1.1\r\nHost: %s\r\nAccept: application/json\r\nContent-Length: 0\r\n\r\n", target, host)
}

// Pipe reads requests and forwards them, or the probe in their place.
func (t *HTTPStatusToxic) Pipe(stub *toxics.ToxicStub) {
	pipeMessages(stub, func(br *bufio.Reader) (bool, []byte, error) {
		req, err := http.ReadRequest(br)
		if err != nil {
			return false, nil, err
		}
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			return false, nil, err
		}
		if !t.take(req.URL.Path) {
			return false, nil, nil
		}
		return true, t.probe(req.Host), nil
	})
}

// HTTPStatusReplyToxic is the downstream half: it answers for the probes.
type HTTPStatusReplyToxic struct{}

// Pipe reads answers and forwards them, or the status in place of a probe's.
func (t *HTTPStatusReplyToxic) Pipe(stub *toxics.ToxicStub) {
	pipeMessages(stub, func(br *bufio.Reader) (bool, []byte, error) {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return false, nil, err
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return false, nil, err
		}
		m := markerRE.FindSubmatch(body)
		if m == nil {
			return false, nil, nil
		}
		status, _ := strconv.Atoi(string(m[1]))
		retryAfter, _ := strconv.Atoi(string(m[2]))
		return true, reply(status, retryAfter), nil
	})
}

func reply(status, retryAfter int) []byte {
	code := "TEMPORARILY_UNAVAILABLE"
	if status == http.StatusTooManyRequests {
		code = "REQUEST_LIMIT_EXCEEDED"
	}
	body := fmt.Sprintf(`{"error_code": %q, "message": "answered by toxiproxy's http_status toxic (fault injection)"}`, code)
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n", status, http.StatusText(status))
	if retryAfter > 0 {
		fmt.Fprintf(&b, "Retry-After: %d\r\n", retryAfter)
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	return b.Bytes()
}

// pipeMessages runs a toxic that reads one HTTP message at a time with next,
// which reports whether to replace the message and with what. The bytes of a
// message that is kept are forwarded exactly as they came. raw holds every
// byte read from the input and not yet forwarded or dropped: the message just
// parsed, followed by what the bufio.Reader read ahead (the next message's
// start). On an interrupt (toxiproxy adding or removing a toxic) or a message
// that cannot be parsed, everything unforwarded is flushed and the toxic
// passes bytes through unchanged until the stream ends.
func pipeMessages(stub *toxics.ToxicStub, next func(*bufio.Reader) (bool, []byte, error)) {
	var raw bytes.Buffer
	reader := stream.NewChanReader(stub.Input)
	reader.SetInterrupt(stub.Interrupt)
	writer := stream.NewChanWriter(stub.Output)
	br := bufio.NewReader(io.TeeReader(reader, &raw))
	for {
		replace, with, err := next(br)
		switch {
		case errors.Is(err, stream.ErrInterrupted):
			flush(writer, &raw)
			return
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			flush(writer, &raw)
			stub.Close()
			return
		case err != nil:
			flush(writer, &raw)
			passThrough(stub, reader, writer)
			return
		}
		message := raw.Next(raw.Len() - br.Buffered())
		if replace {
			message = with
		}
		if len(message) > 0 {
			_, _ = writer.Write(message)
		}
	}
}

func flush(w io.Writer, raw *bytes.Buffer) {
	if raw.Len() > 0 {
		_, _ = w.Write(raw.Bytes())
		raw.Reset()
	}
}

func passThrough(stub *toxics.ToxicStub, reader *stream.ChanReader, writer *stream.ChanWriter) {
	buf := make([]byte, 32*1024)
	for {
		n, err := reader.Read(buf)
		if n > 0 {
			_, _ = writer.Write(buf[:n])
		}
		if errors.Is(err, stream.ErrInterrupted) {
			return
		}
		if err != nil {
			stub.Close()
			return
		}
	}
}
