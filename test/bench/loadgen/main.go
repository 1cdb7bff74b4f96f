// loadgen - the benchmark's own HTTPS/1.1 load generator (stdlib only), for
// what wrk cannot do. Raw HTTP/1.1 over crypto/tls keep-alive connections,
// request bytes built once, responses parsed by Content-Length (or chunked).
//
// Modes (-mode):
//
//	rate    open loop at a fixed rate: request i is due at start + i/rate, a
//	        pacer on its own OS thread (nanosleep, 1 ns timer slack) queues
//	        it, the first free connection sends it. Latency is measured from
//	        the intended send time (no coordinated omission: a request that
//	        waits for a connection counts its wait); the service time (from
//	        the actual send) and the pacer's lag are reported too. The first
//	        -warmup of the schedule is not counted.
//	closed  -conns workers send -requests reviews back to back (the soak),
//	        cycling through -body specs "file:allow|deny:weight"; every
//	        answer must be HTTP 200 with the request's uid and the expected
//	        "allowed"; progress on stderr every second.
//	hold    open -conns connections, one review each, print "ready", keep
//	        them open for -hold, then exit (RSS with N idle keep-alives).
//
// Output: one JSON object on stdout. Every loop is bounded by -duration or
// -requests and by -max-time.
package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type body struct {
	file    string
	req     []byte // the whole HTTP request
	uid     []byte // `"uid":"..."` expected in the answer
	allowed []byte // `"allowed":true` or false
	weight  int
}

type conn struct {
	c   *tls.Conn
	r   *bufio.Reader
	buf []byte
}

var (
	addr     = flag.String("addr", "127.0.0.1:8443", "server host:port")
	caFile   = flag.String("ca", "", "CA certificate (PEM); empty: no verification")
	mode     = flag.String("mode", "rate", "rate | closed | hold")
	bodyList = flag.String("body", "", "comma-separated file[:allow|deny[:weight]]")
	conns    = flag.Int("conns", 32, "connections")
	rate     = flag.Float64("rate", 1000, "rate mode: requests per second")
	duration = flag.Duration("duration", 10*time.Second, "rate mode: measured schedule length")
	warmup   = flag.Duration("warmup", time.Second, "rate mode: schedule not counted")
	requests = flag.Int64("requests", 1000000, "closed mode: total requests")
	maxTime  = flag.Duration("max-time", 120*time.Second, "hard bound on any mode")
	hold     = flag.Duration("hold", 3*time.Second, "hold mode: how long to keep connections")
	path     = flag.String("path", "/validate?timeout=10s", "request path")
	check    = flag.Bool("check", true, "rate mode: the answer must carry the request's uid")
	tlsCfg   *tls.Config
)

func loadBodies(spec string) []*body {
	var out []*body
	for _, item := range strings.Split(spec, ",") {
		parts := strings.Split(item, ":")
		data, err := os.ReadFile(parts[0])
		if err != nil {
			fatal(err)
		}
		var env struct {
			Request struct {
				UID string `json:"uid"`
			} `json:"request"`
		}
		if err := json.Unmarshal(data, &env); err != nil {
			fatal(fmt.Errorf("%s: %v", parts[0], err))
		}
		b := &body{file: parts[0], weight: 1,
			uid:     []byte(`"uid":"` + env.Request.UID + `"`),
			allowed: []byte(`"allowed":true`)}
		if len(parts) > 1 && parts[1] == "deny" {
			b.allowed = []byte(`"allowed":false`)
		}
		if len(parts) > 2 {
			b.weight, _ = strconv.Atoi(parts[2])
		}
		hdr := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: localhost\r\n"+
			"Content-Type: application/json\r\nAccept: application/json\r\n"+
			"Content-Length: %d\r\n\r\n", *path, len(data))
		b.req = append([]byte(hdr), data...)
		out = append(out, b)
	}
	return out
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loadgen:", err)
	os.Exit(2)
}

func dial() (*conn, error) {
	c, err := tls.Dial("tcp", *addr, tlsCfg)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, r: bufio.NewReaderSize(c, 32<<10)}, nil
}

// do sends one request and reads the answer; returns the status and body.
func (c *conn) do(req []byte) (int, []byte, error) {
	if _, err := c.c.Write(req); err != nil {
		return 0, nil, err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, nil, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, nil, errors.New("bad status line")
	}
	code, _ := strconv.Atoi(string(line[9:12]))
	length, chunked := -1, false
	for {
		h, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, nil, err
		}
		if len(h) <= 2 {
			break
		}
		k, v, _ := strings.Cut(strings.TrimSpace(string(h)), ":")
		switch strings.ToLower(k) {
		case "content-length":
			length, _ = strconv.Atoi(strings.TrimSpace(v))
		case "transfer-encoding":
			chunked = strings.Contains(strings.ToLower(v), "chunked")
		}
	}
	c.buf = c.buf[:0]
	if chunked {
		for {
			h, err := c.r.ReadSlice('\n')
			if err != nil {
				return 0, nil, err
			}
			n, err := strconv.ParseInt(strings.TrimSpace(strings.SplitN(string(h), ";", 2)[0]), 16, 32)
			if err != nil {
				return 0, nil, err
			}
			if n == 0 {
				_, err = c.r.ReadSlice('\n')
				return code, c.buf, err
			}
			start := len(c.buf)
			c.buf = append(c.buf, make([]byte, n)...)
			if _, err := io.ReadFull(c.r, c.buf[start:]); err != nil {
				return 0, nil, err
			}
			if _, err := c.r.Discard(2); err != nil {
				return 0, nil, err
			}
		}
	}
	if length < 0 {
		return 0, nil, errors.New("no Content-Length")
	}
	if cap(c.buf) < length {
		c.buf = make([]byte, length)
	}
	c.buf = c.buf[:length]
	_, err = io.ReadFull(c.r, c.buf)
	return code, c.buf, err
}

// pct returns the p-th percentile (0..100) of sorted ns values, in ms.
func pct(s []int64, p float64) float64 {
	if len(s) == 0 {
		return 0
	}
	i := int(float64(len(s))*p/100+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(s) {
		i = len(s) - 1
	}
	return float64(s[i]) / 1e6
}

func summary(s []int64) map[string]float64 {
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	m := map[string]float64{"p50": pct(s, 50), "p90": pct(s, 90), "p99": pct(s, 99),
		"p99.9": pct(s, 99.9), "max": pct(s, 100)}
	var sum int64
	for _, v := range s {
		sum += v
	}
	if len(s) > 0 {
		m["mean"] = float64(sum) / float64(len(s)) / 1e6
	}
	return m
}

func emit(v interface{}) {
	out, _ := json.Marshal(v)
	fmt.Println(string(out))
}

// nanosleepUntil sleeps on this OS thread until t (high-resolution timer).
func nanosleepUntil(t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	ts := syscall.NsecToTimespec(int64(d))
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}

func runRate(bodies []*body) {
	b := bodies[0]
	interval := time.Duration(float64(time.Second) / *rate)
	total := int((*warmup + *duration) / interval)
	cs := make([]*conn, *conns)
	for i := range cs {
		c, err := dial()
		if err != nil {
			fatal(err)
		}
		if code, _, err := c.do(b.req); err != nil || code != 200 {
			fatal(fmt.Errorf("first request: %d %v", code, err))
		}
		cs[i] = c
	}
	jobs := make(chan int, total)
	type rec struct{ lat, svc, lag []int64 }
	recs := make([]rec, len(cs))
	var errs, late, sent int64
	start := time.Now().Add(20 * time.Millisecond)
	deadline := start.Add(*warmup + *duration + 2*time.Second)
	if limit := start.Add(*maxTime); limit.Before(deadline) {
		deadline = limit
	}
	skip := int(*warmup / interval)
	var wg sync.WaitGroup
	for w := range cs {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c, r := cs[w], &recs[w]
			for i := range jobs {
				due := start.Add(time.Duration(i) * interval)
				t0 := time.Now()
				if t0.After(deadline) {
					atomic.AddInt64(&late, 1)
					continue
				}
				code, resp, err := c.do(b.req)
				t1 := time.Now()
				atomic.AddInt64(&sent, 1)
				if err != nil || code != 200 || (*check && !bytes.Contains(resp, b.uid)) {
					atomic.AddInt64(&errs, 1)
					if err != nil {
						c.c.Close()
						if nc, derr := dial(); derr == nil {
							c, cs[w] = nc, nc
						} else {
							return
						}
					}
					continue
				}
				if i >= skip {
					r.lat = append(r.lat, int64(t1.Sub(due)))
					r.svc = append(r.svc, int64(t1.Sub(t0)))
					r.lag = append(r.lag, int64(t0.Sub(due)))
				}
			}
		}(w)
	}
	// The pacer: its own OS thread, high-resolution sleeps.
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		syscall.Syscall(syscall.SYS_PRCTL, 29 /* PR_SET_TIMERSLACK */, 1, 0)
		for i := 0; i < total; i++ {
			nanosleepUntil(start.Add(time.Duration(i) * interval))
			jobs <- i
		}
		close(jobs)
		close(done)
	}()
	<-done
	wg.Wait()
	end := time.Now()
	var lat, svc, lag []int64
	for _, r := range recs {
		lat, svc, lag = append(lat, r.lat...), append(svc, r.svc...), append(lag, r.lag...)
	}
	measured := end.Sub(start.Add(*warmup)).Seconds()
	emit(map[string]interface{}{"mode": "rate", "target_rps": *rate, "conns": *conns,
		"requests": len(lat), "achieved_rps": float64(len(lat)) / measured,
		"errors": errs, "late": late, "sent": sent, "latency_ms": summary(lat),
		"service_ms": summary(svc), "pacer_lag_ms": summary(lag)})
}

func runClosed(bodies []*body) {
	var sched []*body // weighted, interleaved round robin
	for max := 1; ; max++ {
		added := false
		for _, b := range bodies {
			if b.weight >= max {
				sched, added = append(sched, b), true
			}
		}
		if !added {
			break
		}
	}
	var next, okN, errN int64
	errKinds := sync.Map{}
	start := time.Now()
	deadline := start.Add(*maxTime)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	go func() { // progress
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				fmt.Fprintf(os.Stderr, "progress %.0f %d %d\n", now.Sub(start).Seconds(),
					atomic.LoadInt64(&okN), atomic.LoadInt64(&errN))
			}
		}
	}()
	for w := 0; w < *conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := dial()
			if err != nil {
				atomic.AddInt64(&errN, 1)
				errKinds.Store("dial: "+err.Error(), true)
				return
			}
			for {
				i := atomic.AddInt64(&next, 1) - 1
				if i >= *requests || time.Now().After(deadline) {
					return
				}
				b := sched[i%int64(len(sched))]
				code, resp, err := c.do(b.req)
				switch {
				case err != nil:
					errKinds.Store("io: "+err.Error(), true)
				case code != 200:
					errKinds.Store(fmt.Sprintf("status %d", code), true)
				case !bytes.Contains(resp, b.uid) || !bytes.Contains(resp, b.allowed):
					errKinds.Store("wrong answer for "+b.file, true)
				default:
					atomic.AddInt64(&okN, 1)
					continue
				}
				atomic.AddInt64(&errN, 1)
				if err != nil {
					c.c.Close()
					if c, err = dial(); err != nil {
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	var kinds []string
	errKinds.Range(func(k, _ interface{}) bool { kinds = append(kinds, k.(string)); return true })
	secs := time.Since(start).Seconds()
	emit(map[string]interface{}{"mode": "closed", "conns": *conns, "requests": okN + errN,
		"ok": okN, "errors": errN, "error_kinds": kinds, "seconds": secs,
		"rps": float64(okN+errN) / secs, "complete": okN+errN >= *requests})
}

func runHold(bodies []*body) {
	var cs []*conn
	var errN int
	for i := 0; i < *conns; i++ {
		c, err := dial()
		if err == nil {
			var code int
			code, _, err = c.do(bodies[0].req)
			if err == nil && code != 200 {
				err = fmt.Errorf("status %d", code)
			}
		}
		if err != nil {
			errN++
			continue
		}
		cs = append(cs, c)
	}
	fmt.Fprintln(os.Stderr, "ready")
	h := *hold
	if h > *maxTime {
		h = *maxTime
	}
	time.Sleep(h)
	for _, c := range cs {
		c.c.Close()
	}
	emit(map[string]interface{}{"mode": "hold", "conns": len(cs), "errors": errN})
}

func main() {
	flag.Parse()
	tlsCfg = &tls.Config{ServerName: "localhost", MinVersion: tls.VersionTLS13,
		ClientSessionCache: nil}
	if *caFile == "" {
		tlsCfg.InsecureSkipVerify = true
	} else {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			fatal(err)
		}
		tlsCfg.RootCAs = x509.NewCertPool()
		tlsCfg.RootCAs.AppendCertsFromPEM(pem)
	}
	if *bodyList == "" {
		fatal(errors.New("-body is required"))
	}
	bodies := loadBodies(*bodyList)
	switch *mode {
	case "rate":
		runRate(bodies)
	case "closed":
		runClosed(bodies)
	case "hold":
		runHold(bodies)
	default:
		fatal(fmt.Errorf("unknown -mode %s", *mode))
	}
}
