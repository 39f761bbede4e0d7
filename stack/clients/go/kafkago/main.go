// One application of the client matrix on kafka-go (github.com/segmentio/kafka-go): a producer writing numbered
// records and a consumer group member reading them, both bootstrapping from the pair's custom domain, default
// settings. Prints "acked N" / "processed N" for the harness to count.
// Usage: kafkago <bootstrap> <topic> <group> <records/s> <first record number>
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

	"github.com/segmentio/kafka-go"
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
	errors := kafka.LoggerFunc(func(msg string, a ...any) { fmt.Fprintf(os.Stderr, "[kafka-go] "+msg+"\n", a...) })
	reader := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{bootstrap}, GroupID: group, Topic: topic,
		StartOffset: kafka.FirstOffset, ErrorLogger: errors})
	writer := &kafka.Writer{Addr: kafka.TCP(bootstrap), Topic: topic, RequiredAcks: kafka.RequireAll, ErrorLogger: errors,
		BatchTimeout: 10 * time.Millisecond} // one record per write: no 1 s wait for a batch to fill
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			m, err := reader.ReadMessage(ctx) // commits each record once handed over (CommitInterval 0, the default)
			if err != nil {
				if ctx.Err() == nil {
					out("log read: %v", err)
					time.Sleep(time.Second)
				}
				continue
			}
			out("processed %s", m.Value)
		}
	}()
	for n := first; ctx.Err() == nil; n++ {
		v := strconv.Itoa(n)
		if err := writer.WriteMessages(ctx, kafka.Message{Key: []byte(fmt.Sprintf("k%d", n%17)), Value: []byte(v)}); err != nil {
			if ctx.Err() == nil {
				out("log send %s failed: %v", v, err)
			}
		} else {
			out("acked %s", v)
		}
		time.Sleep(time.Second / time.Duration(rate))
	}
	writer.Close()
	wg.Wait()
	reader.Close()
}
