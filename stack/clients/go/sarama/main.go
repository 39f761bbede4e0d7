// One application of the client matrix on sarama (github.com/IBM/sarama): a producer writing numbered records and
// a consumer group member reading them, both bootstrapping from the pair's custom domain, default settings.
// Prints "acked N" / "processed N" for the harness to count.
// Usage: sarama <bootstrap> <topic> <group> <records/s> <first record number>
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/IBM/sarama"
)

var mu sync.Mutex

func out(format string, a ...any) {
	mu.Lock()
	defer mu.Unlock()
	fmt.Printf(format+"\n", a...)
}

type handler struct{}

func (handler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (handler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for m := range c.Messages() {
		out("processed %s", m.Value)
		s.MarkMessage(m, "")
	}
	return nil
}

func main() {
	bootstrap, topic, group := os.Args[1], os.Args[2], os.Args[3]
	rate, _ := strconv.Atoi(os.Args[4])
	first, _ := strconv.Atoi(os.Args[5])
	sarama.Logger = log.New(os.Stderr, "[sarama] ", log.LstdFlags)
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer cancel()
	cfg := sarama.NewConfig()
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cg, err := sarama.NewConsumerGroup([]string{bootstrap}, group, cfg)
	if err != nil {
		out("log consumer: %v", err)
		os.Exit(1)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			if err := cg.Consume(ctx, []string{topic}, handler{}); err != nil && ctx.Err() == nil {
				out("log consume: %v", err)
				time.Sleep(time.Second)
			}
		}
	}()
	producer, err := sarama.NewAsyncProducer([]string{bootstrap}, cfg)
	if err != nil {
		out("log producer: %v", err)
		os.Exit(1)
	}
	go func() {
		for m := range producer.Successes() {
			out("acked %s", m.Value.(sarama.StringEncoder))
		}
	}()
	go func() {
		for e := range producer.Errors() {
			out("log send %s failed: %v", e.Msg.Value.(sarama.StringEncoder), e.Err)
		}
	}()
	for n := first; ctx.Err() == nil; n++ {
		producer.Input() <- &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(fmt.Sprintf("k%d", n%17)), Value: sarama.StringEncoder(strconv.Itoa(n))}
		time.Sleep(time.Second / time.Duration(rate))
	}
	producer.Close()
	wg.Wait()
	cg.Close() // commits what was processed, as a stopped application does
}
