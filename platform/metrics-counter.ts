/** Prometheus counters fed from counts another module keeps (read at scrape time). */
import { Counter, type Registry } from 'prom-client';

/**
 * A real Prometheus counter (`# TYPE ... counter`) whose value is `read()` at each scrape. The module
 * that counts keeps a plain number (no metrics on its hot path); the counter advances by the difference.
 */
export function scrapedCounter(registry: Registry, name: string, help: string, read: () => number): Counter {
  let reported = 0;
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read();
      if (now > reported) this.inc(now - reported);
      reported = now;
    },
  });
}
