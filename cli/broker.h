// `clientele broker`: the embedded Kafka-protocol broker on its own, for
// trying a chain out on one machine, and for tests that take "Kafka" down and
// bring it back while the nodes run.
#pragma once

namespace clientele {

// Starts the broker with the Clientele topics (`partitions` each), prints
// "clientele: Kafka broker at HOST:PORT", then reads commands from standard
// input, one per line: "down" (drop every connection and refuse new ones),
// "up" (accept again). The topics' messages survive a down/up. Stops at the
// end of input or on SIGINT/SIGTERM. Returns the exit code.
int RunBroker(int partitions);

}  // namespace clientele
