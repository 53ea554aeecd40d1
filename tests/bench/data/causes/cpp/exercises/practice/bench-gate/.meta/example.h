#pragma once

namespace bench_gate {

long square(long n);

}  // namespace bench_gate
