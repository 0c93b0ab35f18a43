#include "report.hpp"
#include <algorithm>

namespace report {

Line::Line(std::string sku, double total) : sku_(std::move(sku)), total_(total) {}

double Line::total() const { return total_; }

bool Line::operator<(const Line &other) const { return total_ < other.total_; }

double Summary::grand_total() const {
    double t = 0;
    for (const auto &l : lines) t += l.total();
    return clamp(t, 0.0, 1e9);
}

static int visit(const Item *it, void *arg) {
    auto *s = static_cast<Summary *>(arg);
    s->lines.emplace_back(it->sku, ITEM_TOTAL(it));
    return 0;
}

Summary summarize(const Cart &cart) {
    Summary s;
    cart_each(&cart, visit, &s);
    std::sort(s.lines.begin(), s.lines.end());
    return s;
}

std::vector<Line> &top(std::vector<Line> &lines) { return lines; }

}  // namespace report

int main() {
    Cart cart{};
    cart_add(&cart, "apple", 0.5, 3);
    return report::summarize(cart).grand_total() > 0 ? 0 : 1;
}
