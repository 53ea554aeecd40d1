#include "bench_gate.h"

namespace bench_gate {

long square(long n) { return n * n; }

}  // namespace bench_gate
