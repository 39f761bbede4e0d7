// One application of the client matrix on franz-go (github.com/twmb/franz-go): a producer writing numbered
// records and a consumer group member reading them, both seeded with the pair's custom domain, default settings.
// Prints "acked N" / "processed N" for the harness to count.
// Usage: franz <bootstrap> <topic> <group> <records/s> <first record number>
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

var mu sync.Mutex

func out(format string, a ...any) {
	mu.Lock()
	defer mu.Unlock()
	fmt.Printf(format+"\n", a...)
}

func main() {
	bootstrap, topic, group := os.Args[1], os.Args[2], os.Args[3]
	rate, _ := strconv.Atoi(os.Args[4])
	first, _ := strconv.Atoi(os.Args[5])
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer cancel()
	logger := kgo.BasicLogger(os.Stderr, kgo.LogLevelWarn, nil)
	consumer, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.WithLogger(logger))
	if err != nil {
		out("log consumer: %v", err)
		os.Exit(1)
	}
	producer, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.WithLogger(logger))
	if err != nil {
		out("log producer: %v", err)
		os.Exit(1)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			fetches := consumer.PollFetches(ctx)
			fetches.EachError(func(t string, p int32, err error) {
				if ctx.Err() == nil {
					out("log fetch %s[%d]: %v", t, p, err)
				}
			})
			fetches.EachRecord(func(r *kgo.Record) { out("processed %s", r.Value) })
		}
	}()
	for n := first; ctx.Err() == nil; n++ {
		v := strconv.Itoa(n)
		producer.Produce(ctx, &kgo.Record{Topic: topic, Key: []byte(fmt.Sprintf("k%d", n%17)), Value: []byte(v)}, func(_ *kgo.Record, err error) {
			if err != nil {
				out("log send %s failed: %v", v, err)
			} else {
				out("acked %s", v)
			}
		})
		time.Sleep(time.Second / time.Duration(rate))
	}
	wg.Wait()
	producer.Close()
	consumer.Close() // commits what was processed, as a stopped application does
}
