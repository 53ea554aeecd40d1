#include "range_compress.h"

#include <algorithm>

namespace range_compress {

std::string compress(const std::vector<int>& numbers) {
    std::vector<int> sorted(numbers);
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    std::string out;
    auto add = [&out](const std::string& item) {
        if (!out.empty()) out += ",";
        out += item;
    };
    for (std::size_t i = 0; i < sorted.size();) {
        std::size_t j = i;
        while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
        if (j - i >= 2) {
            add(std::to_string(sorted[i]) + "-" + std::to_string(sorted[j]));
        } else {
            for (std::size_t k = i; k <= j; ++k) add(std::to_string(sorted[k]));
        }
        i = j + 1;
    }
    return out;
}

}  // namespace range_compress
