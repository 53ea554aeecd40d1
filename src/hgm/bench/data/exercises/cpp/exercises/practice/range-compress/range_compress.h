#pragma once

#include <string>
#include <vector>

namespace range_compress {

std::string compress(const std::vector<int>& numbers);

}  // namespace range_compress
