// One application of the client matrix: a producer writing numbered records and a consumer group member reading
// them, both bootstrapping from the pair's custom domain. It prints what the harness counts, one line each:
// "acked N" when the cluster acknowledged record N, "processed N" when the consumer handed N to the application.
// Usage: java -cp 'libs/*' ClientApp.java <bootstrap> <topic> <group> <records/s> <first record number>
//        [client.property=value ...]
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

public class ClientApp {
  static volatile boolean stop = false;

  static synchronized void out(String line) {
    System.out.println(line);
    System.out.flush();
  }

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], topic = args[1], group = args[2];
    long pauseMs = 1000 / Integer.parseInt(args[3]);
    Properties extra = new Properties();
    long first = Long.parseLong(args[4]);
    for (int i = 5; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      extra.put(kv[0], kv[1]);
    }
    Properties p = new Properties();
    p.putAll(extra);
    p.put("bootstrap.servers", bootstrap);
    p.put("acks", "all");
    p.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    p.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    Properties c = new Properties();
    c.putAll(extra);
    c.put("bootstrap.servers", bootstrap);
    c.put("group.id", group);
    c.put("auto.offset.reset", "earliest");
    c.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    c.put("value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");

    CountDownLatch done = new CountDownLatch(2);
    // SIGTERM: both roles close cleanly (the consumer commits what it processed), as a stopped application does.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stop = true;
      try { done.await(); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
    }));
    Thread consumer = new Thread(() -> {
      try (KafkaConsumer<String, String> k = new KafkaConsumer<>(c)) {
        k.subscribe(List.of(topic));
        while (!stop) {
          for (ConsumerRecord<String, String> r : k.poll(Duration.ofMillis(500))) out("processed " + r.value());
        }
      } catch (Exception e) {
        out("log consumer stopped: " + e);
      } finally {
        done.countDown();
      }
    });
    consumer.start();
    try (KafkaProducer<String, String> k = new KafkaProducer<>(p)) {
      for (long n = first; !stop; n++) {
        final long v = n;
        try {
          k.send(new ProducerRecord<>(topic, "k" + (v % 17), Long.toString(v)), (md, e) -> {
            if (e == null) out("acked " + v);
            else out("log send " + v + " failed: " + e);
          });
        } catch (Exception e) {
          out("log send " + v + " failed: " + e);
        }
        Thread.sleep(pauseMs);
      }
    } finally {
      done.countDown();
    }
  }
}
